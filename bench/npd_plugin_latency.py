"""How fast `ascend-doctor npd-status` answers node-problem-detector from the cache (target ≤ 0.2 s),
against a bare interpreter start, in one run: a healthy cache, an unhealthy one, a missing one.

    python bench/npd_plugin_latency.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(REPO)}


def median_wall(argv: list[str], runs: int) -> tuple[float, float]:
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV, cwd=REPO)
        walls.append(time.perf_counter() - started)
    return statistics.median(walls), max(walls)


def cache_of(example: str, directory: str) -> str:
    path = os.path.join(directory, f"{example}.json")
    done = subprocess.run([sys.executable, "-m", "doctor", "check", "--snapshot", str(EXAMPLES / example), "--json"],
                          capture_output=True, env=ENV, cwd=REPO)
    Path(path).write_bytes(done.stdout)
    return path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    bare = median_wall([sys.executable, "-c", "pass"], args.runs)[0]
    print(f"python -c pass                      {bare:.3f} s (median of {args.runs})")
    with tempfile.TemporaryDirectory() as directory:
        cases = {"healthy cache (exit 0)": cache_of("atlas-800i-a2-healthy", directory),
                 "DEV004 failing (exit 1)": cache_of("alarm-chip", directory),
                 "missing cache (exit 2)": os.path.join(directory, "absent.json")}
        for label, cache in cases.items():
            median, worst = median_wall([sys.executable, "-m", "doctor", "npd-status", "--cache", cache,
                                         "--condition", "chip-unhealthy"], args.runs)
            print(f"npd-status, {label:24} {median:.3f} s median, {worst:.3f} s worst, "
                  f"ratio {median / bare:.2f} to a bare start   (target ≤ 0.200 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
