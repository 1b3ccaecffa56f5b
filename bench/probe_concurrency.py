"""How much the probes' concurrency saves: `ascend-doctor check` on a simulated host whose
npu-smi takes DELAY seconds per call, against DELAY itself (the floor) and against the sum of
every npu-smi call made one after another (what a sequential doctor would pay).

    python bench/probe_concurrency.py [--delay 1.0] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support import hosts, simhost  # noqa: E402


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    spec = replace(hosts.atlas_800i_a2_healthy(), npu_smi_delay_s=args.delay)
    with tempfile.TemporaryDirectory() as tmp:
        root = simhost.build(Path(tmp) / "root", spec)
        # The host's own variables, minus LD_PRELOAD: its library exists only inside the simulated root.
        env = {k: v for k, v in {**os.environ, **simhost.probe_env(root, spec)}.items() if k != "LD_PRELOAD"}
        argv = [sys.executable, "-c", "from doctor.cli import entry; entry()",
                "check", "--root", str(root), "--devices", "0,1", "--tp", "2"]
        walls = [timed(argv, env) for _ in range(args.runs)]
    npu_smi_calls = len(spec.npu_smi)
    wall = statistics.median(walls)
    print(f"npu-smi delay per call      {args.delay:.2f} s ({npu_smi_calls} npu-smi calls, each delayed)")
    print(f"check wall (median of {args.runs})   {wall:.3f} s   runs: {', '.join(f'{w:.3f}' for w in walls)}")
    print(f"ratio to one npu-smi call   {wall / args.delay:.2f}  (target <= 1.25)")
    print(f"ratio to calls in sequence  {wall / (args.delay * npu_smi_calls):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
