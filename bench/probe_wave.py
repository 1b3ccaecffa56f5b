"""Probes in one wave: `ascend-doctor check` on simulated hosts whose every npu-smi and
hccn_tool call takes DELAY seconds, against DELAY itself.

- a 16-chip A3 (3 npu-smi calls, 48 hccn_tool calls): target <= 1.3 s with 1 s probes;
- a host with an alarmed chip, where npu-smi's health detail can only start once `npu-smi
  info` has answered: the longest chain is two calls, target <= 2 x DELAY + 0.25 s.

    python bench/probe_wave.py [--delay 1.0] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.probe_concurrency import timed  # noqa: E402
from tests.support import hosts, simhost  # noqa: E402


def check_walls(spec: simhost.HostSpec, extra: list[str], runs: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = simhost.build(Path(tmp) / "root", spec)
        env = {k: v for k, v in {**os.environ, **simhost.probe_env(root, spec)}.items() if k != "LD_PRELOAD"}
        argv = [sys.executable, "-c", "from doctor.cli import entry; entry()", "check", "--root", str(root), *extra]
        return [timed(argv, env) for _ in range(runs)]


def report(name: str, walls: list[float], delay: float, chain: int, target: float) -> None:
    wall = statistics.median(walls)
    print(f"{name:<34} {wall:6.3f} s (median of {len(walls)}: {', '.join(f'{w:.3f}' for w in walls)})"
          f"   {wall / delay:.2f} x delay   target <= {target:.2f} s (chain of {chain})")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    a3 = replace(hosts.atlas_800_a3_busy(), npu_smi_delay_s=args.delay, hccn_delay_s=args.delay,
                 npu_smi={"info": hosts.A3_TABLE, "info -l": "npu-smi-t/blog-800IA2-910B4-x8-info-l.txt",
                          "info -m": "npu-smi-t/blog-800IA2-910B4-x8-info-m-with-mcu.txt"})
    alarm = replace(hosts.alarm_chip(), npu_smi_delay_s=args.delay)
    calls = len(a3.npu_smi) + len(a3.hccn)
    print(f"every npu-smi and hccn_tool call sleeps {args.delay:.2f} s first")
    report(f"16-chip A3, {calls} calls, --tp 2", check_walls(a3, ["--tp", "2"], args.runs), args.delay, 1,
           args.delay + 0.3)
    report("alarmed chip (info, then -t health)", check_walls(alarm, [], args.runs), args.delay, 2,
           2 * args.delay + 0.25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
