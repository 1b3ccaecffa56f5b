"""`ascend-doctor fleet check` over 1 and 32 simulated SSH hosts, against what users run today over
the same hosts (`ansible all -f 32 -m command -a 'npu-smi info'`), with the controller's peak memory.

Needs root and tests/fleet/support/install-ssh.sh; no other fleet may run on the machine.

    python bench/fleet_scaling.py [--hosts 32] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.fleet.support.sshhosts import Fleet, standard_hosts  # noqa: E402

# Forks the measured command and reports its own peak RSS (the same go-between as the hostile tests).
MEASURED = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
sys.stderr.write("peak_kb=%d\\n" % usage.ru_maxrss)
"""


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak MB) of one run."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", MEASURED, *argv], env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)
    wall = time.perf_counter() - started
    peak = next((int(line.split("=")[1]) for line in done.stderr.splitlines() if line.startswith("peak_kb=")), 0)
    return wall, peak / 1024


def median_of(runs: int, argv: list[str], env: dict[str, str]) -> tuple[float, float, list[float]]:
    results = [timed(argv, env) for _ in range(runs)]
    walls = [w for w, _ in results]
    return statistics.median(walls), max(p for _, p in results), walls


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(REPO), "ANSIBLE_HOST_KEY_CHECKING": "True"}
    with Fleet(standard_hosts(args.hosts)) as fleet:
        env["ANSIBLE_SSH_ARGS"] = f"-F {fleet.ssh_config}"
        doctor = [sys.executable, "-m", "doctor", "fleet", "check", "-i", str(fleet.inventory), "--ssh-config",
                  str(fleet.ssh_config), "--known-hosts", str(fleet.known_hosts), "--forks", str(args.hosts),
                  "--json"]
        one = median_of(args.runs, [*doctor, "--limit", "node01"], env)
        every = median_of(args.runs, doctor, env)
        ansible = median_of(args.runs, ["ansible", "all", "-i", str(fleet.inventory), "-f", str(args.hosts),
                                        "-m", "ansible.builtin.command", "-a", "npu-smi info"], env)
    print(f"fleet check, 1 host            {one[0]:6.2f} s  peak {one[1]:5.0f} MB  runs {_runs(one[2])}")
    print(f"fleet check, {args.hosts} hosts          {every[0]:6.2f} s  peak {every[1]:5.0f} MB  runs {_runs(every[2])}")
    print(f"ansible -m command npu-smi info {ansible[0]:6.2f} s  peak {ansible[1]:5.0f} MB  runs {_runs(ansible[2])}")
    print(f"ratio {args.hosts} hosts / 1 host       {every[0] / one[0]:.2f}  (target <= 2)")
    print(f"ratio fleet check / ansible     {every[0] / ansible[0]:.2f}  (target < 1)")
    return 0


def _runs(walls: list[float]) -> str:
    return ", ".join(f"{w:.2f}" for w in walls)


if __name__ == "__main__":
    sys.exit(main())
