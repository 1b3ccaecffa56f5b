"""What the Ansible deploy adds to vLLM's own start, on the CPU stand-in (docker, registry and the
image must be up: tests/e2e/support/*.sh). All figures come from the same run.

  1. A first deploy of one service with deploy.yml, while a 20 ms poller watches /health. vLLM's
     own start is the container's StartedAt to the poller's first 200; the overhead is the deploy's
     wall time minus that.
  2. A rerun with nothing to change.
  3. How late smoke notices readiness: the poller and `ascend-doctor smoke` watch the same
     restarting container; the gap between the poller's first 200 and smoke's health step.

    python bench/deploy_overhead.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e import harness  # noqa: E402
from tests.support import hosts, simhost  # noqa: E402

NAME, PORT = "bench-qwen3vl", 18501


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


def wait_healthy(port: int, limit_s: float = 900, step_s: float = 0.02) -> float:
    """Wall-clock time of the first 200."""
    started = time.monotonic()
    while not healthy(port):
        if time.monotonic() - started > limit_s:
            raise SystemExit(f"port {port} never answered /health")
        time.sleep(step_s)
    return time.time()


def started_at(name: str) -> float:
    stamp = harness.docker("inspect", "--format", "{{.State.StartedAt}}", name).stdout.strip()
    whole, _, fraction = stamp.rstrip("Z").partition(".")
    return datetime.fromisoformat(whole).replace(tzinfo=timezone.utc).timestamp() + float("0." + (fraction or "0"))


def watched(action) -> tuple[object, float]:
    seen: dict[str, float] = {}
    poller = threading.Thread(target=lambda: seen.setdefault("first_200", wait_healthy(PORT)))
    poller.start()
    result = action()
    poller.join()
    return result, seen["first_200"]


def smoke_lag() -> float:
    harness.docker("stop", NAME)
    harness.docker("start", NAME)
    began = time.time()
    done, first_200 = watched(lambda: subprocess.run(
        [sys.executable, "-m", "doctor", "smoke", "--url", f"http://127.0.0.1:{PORT}", "--model", "qwen3vl",
         "--json"], capture_output=True, text=True, check=True))
    health_step = json.loads(done.stdout)["steps"][0]
    return began + health_step["seconds"] - first_200


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = work / "tiny"
        subprocess.run([sys.executable, str(harness.REPO / "tests/e2e/support/make_tiny_model.py"), str(model)],
                       check=True, capture_output=True)
        spec = replace(hosts.atlas_800i_a2_64g(), directories=("/usr/local/dcmi", "/usr/local/Ascend/driver/lib64",
                                                                   "/root/.cache"), docker=None)
        root = simhost.build(work / "host", spec)
        service = harness.service(NAME, "qwen3-vl-4b", [0], PORT, model)
        harness.remove_containers(NAME)
        inventory = harness.write_inventory(work / "hosts.yml", root, [service],
                                            service_config_dir=str(work / "services"))
        first, first_200 = watched(lambda: harness.playbook(inventory))
        if first.rc:
            print(first.output[-3000:])
            return 1
        own = first_200 - started_at(NAME)
        rerun = harness.playbook(inventory)
        lag = smoke_lag()
        harness.remove_containers(NAME)
    print(f"vLLM's own start (StartedAt -> /health 200)    {own:6.1f} s")
    print(f"first deploy with deploy.yml                   {first.seconds:6.1f} s")
    print(f"deploy overhead beyond vLLM's start            {first.seconds - own:6.1f} s  (target <= 30 s)")
    print(f"rerun with nothing to change                   {rerun.seconds:6.1f} s  (target <= 10 s), "
          f"changed={rerun.recap()['changed']}")
    print(f"smoke noticed readiness after the poller       {lag:6.2f} s  (target <= 1.5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
