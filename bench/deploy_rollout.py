"""What the Ansible deploy costs on hosts reached over SSH, each with its own docker engine (the
simulated deploy hosts of tests/fleet/support; needs root, the controller's docker and registry with
the stand-in image: tests/e2e/support/*.sh, tests/fleet/support/install-ssh.sh). All figures come
from one run.

  1. A no-op rerun of deploy.yml over one host and over two hosts (each the median of three), the
     two hosts in one batch (-e vllm_serial=2) and one at a time (the default).
  2. A stop-first replacement (no spare chip) while a 20 ms poller watches /health from the
     controller: the outage is the poller's last 200 before the old one stopped to its first 200
     from the new one; vLLM's own start is the new container's StartedAt to that first 200.

    python bench/deploy_rollout.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e import harness  # noqa: E402
from tests.fleet.support import fleets, sshhosts  # noqa: E402
from tests.support.sampling import Sampler  # noqa: E402

NAME, PORT = "bench-qwen3vl", 18601
HOSTS = ("dp-1", "dp-2")


class Poller(Sampler):
    """Watches /health every 20 ms and keeps when it last answered 200 and when it answered again."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url, self.last_ok, self.outage_began, self.back = url, 0.0, None, None

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url, timeout=1) as reply:
                return reply.status == 200
        except OSError:
            return False

    def sample(self) -> None:
        now, ok = time.time(), self._healthy()
        if ok and self.outage_began is not None and self.back is None:
            self.back = now
        elif ok:
            self.last_ok = now
        elif self.outage_began is None and self.last_ok:
            self.outage_began = self.last_ok


def started_at(site: harness.Site, host: str, name: str) -> float:
    stamp = site.docker(host, "inspect", "--format", "{{.State.StartedAt}}", name).stdout.strip()
    whole, _, fraction = stamp.rstrip("Z").partition(".")
    return datetime.fromisoformat(whole).replace(tzinfo=timezone.utc).timestamp() + float("0." + (fraction or "0"))


def must(play: harness.Play, what: str) -> harness.Play:
    if play.rc != 0:
        raise SystemExit(f"{what} failed:\n{play.output[-4000:]}")
    return play


def median_rerun(inventory: Path, *extra: str) -> float:
    return statistics.median(must(harness.playbook(inventory, "deploy.yml", *extra), "rerun").seconds for _ in range(3))


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = work / "tiny"
        subprocess.run([sys.executable, str(harness.REPO / "tests/e2e/support/make_tiny_model.py"), str(model)],
                       check=True, capture_output=True)
        deploy = [host for host in fleets.deploy_hosts() if host.name in HOSTS]
        with sshhosts.Fleet(deploy, work / "fleet", lock_wait_s=600) as fleet:
            for host in HOSTS:
                fleet.copy_in(host, model, harness.MODEL_ON_HOST)
            site = harness.Site(fleet, work, f"{sshhosts.REGISTRY}/{harness.IMAGE_PATH}:{harness.STANDIN_TAG}", HOSTS)
            one = {host: [harness.service(NAME, "qwen3-vl-4b", [0], PORT)] for host in HOSTS}
            both = site.inventory("both.yml", one)
            must(harness.playbook(both, "deploy.yml", "-e", "vllm_serial=2"), "first deploy")
            single = median_rerun(site.inventory("one.yml", {"dp-1": one["dp-1"]}))
            batch = median_rerun(both, "-e", "vllm_serial=2")
            serial = median_rerun(both)

            changed = {"dp-1": [harness.service(NAME, "qwen3-vl-4b", [0], PORT, extra_args=["--max-num-seqs", "4"])]}
            with Poller(f"http://{site.address('dp-1')}:{PORT}/health") as poller:
                replaced = must(harness.playbook(site.inventory("changed.yml", changed)), "replacement")
                deadline = time.monotonic() + 30
                while poller.back is None and time.monotonic() < deadline:
                    time.sleep(0.05)
            if poller.outage_began is None or poller.back is None:
                raise SystemExit("the poller saw no outage and return")
            outage = poller.back - poller.outage_began
            own = poller.back - started_at(site, "dp-1", NAME)
            site.clear()
    print(f"no-op rerun, one host                              {single:6.1f} s")
    print(f"no-op rerun, two hosts in one batch (vllm_serial=2) {batch:6.1f} s  ratio {batch / single:.2f} "
          "(target <= 1.5)")
    print(f"no-op rerun, two hosts one at a time (default)     {serial:6.1f} s  ratio {serial / single:.2f}")
    print(f"stop-first outage seen from the controller          {outage:6.1f} s")
    print(f"  vLLM's own start (StartedAt -> /health 200)       {own:6.1f} s")
    print(f"  beyond vLLM's own start                           {outage - own:6.1f} s  (target <= 15 s)")
    print(f"  the play's whole replacement run                  {replaced.seconds:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
