"""Start-up cost: `ascend-doctor --version` (target under 0.15 s) against a bare interpreter start.

    python bench/startup.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time


def median_wall(argv: list[str], runs: int) -> float:
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        walls.append(time.perf_counter() - started)
    return statistics.median(walls)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    script = shutil.which("ascend-doctor", path=os.path.dirname(sys.executable)) or shutil.which("ascend-doctor")
    if not script:
        print("ascend-doctor is not installed (pip install -e .)")
        return 1
    bare = median_wall([sys.executable, "-c", "pass"], args.runs)
    version = median_wall([script, "--version"], args.runs)
    print(f"python -c pass              {bare:.3f} s (median of {args.runs})")
    print(f"ascend-doctor --version     {version:.3f} s   (target < 0.150 s)")
    print(f"ratio to a bare interpreter {version / bare:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
