"""`ascend-doctor fleet check` over 1 and 32 simulated SSH hosts, against what users run today over
the same hosts (`ansible all -f 32 -m command -a 'npu-smi info'`), with the controller's peak memory.

Needs root and tests/fleet/support/install-ssh.sh; no other fleet may run on the machine.

Every simulated host runs on this machine's cores: sshd, the collector and the simulated tools of
32 hosts share them, where a real fleet has a machine each. So besides the wall, the figures
split the CPU time into the controller's (the measured command) and the hosts' (the rest of the
machine), which is what the 32-host wall is spent on here.

    python bench/fleet_scaling.py [--hosts 32] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import resource
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


def machine_cpu_s() -> float:
    """CPU seconds this machine has spent busy, all processes together (/proc/stat)."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, float, float]:
    """(wall seconds, peak MB, the command's CPU seconds, the machine's CPU seconds) of one run."""
    before, machine = resource.getrusage(resource.RUSAGE_CHILDREN), machine_cpu_s()
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", MEASURED, *argv], env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    peak = next((int(line.split("=")[1]) for line in done.stderr.splitlines() if line.startswith("peak_kb=")), 0)
    return wall, peak / 1024, own, machine_cpu_s() - machine


def median_of(runs: int, argv: list[str], env: dict[str, str]) -> dict:
    results = [timed(argv, env) for _ in range(runs)]
    return {"wall": statistics.median(r[0] for r in results), "peak": max(r[1] for r in results),
            "own": statistics.median(r[2] for r in results), "machine": statistics.median(r[3] for r in results),
            "walls": [r[0] for r in results]}


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
    for name, row in (("fleet check, 1 host", one), (f"fleet check, {args.hosts} hosts", every),
                      ("ansible -m command 'npu-smi info'", ansible)):
        print(f"{name:<34} wall {row['wall']:5.2f} s  controller CPU {row['own']:5.2f} s  hosts' CPU "
              f"{row['machine'] - row['own']:5.2f} s  controller peak {row['peak']:4.0f} MB  runs "
              + ", ".join(f"{w:.2f}" for w in row["walls"]))
    print(f"ratio {args.hosts} hosts / 1 host, wall             {every['wall'] / one['wall']:.2f}  (target <= 2; "
          "here the hosts' CPU shares this machine's cores)")
    print(f"ratio {args.hosts} hosts / 1 host, controller CPU   {every['own'] / one['own']:.2f}")
    print(f"ratio fleet check / ansible, wall          {every['wall'] / ansible['wall']:.2f}  (target < 1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
