"""What `--metrics-file` adds to `check` (target ≤ 10 ms), on the bundled A3 example, in one run.

Two figures: `check --snapshot` as a process with and without `--metrics-file` (interleaved, medians:
start-up noise is larger than the difference), and the metrics step alone in-process (build the
families, render, write atomically with fsync), for the textfile and the NPU Exporter JSON.

    python bench/metrics_overhead.py [--runs 15]
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
EXAMPLE = REPO / "examples" / "atlas-800-a3-busy"
sys.path.insert(0, str(REPO))


def wall(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO,
                   env={**os.environ, "PYTHONPATH": str(REPO)})
    return time.perf_counter() - started


def processes(runs: int, directory: str) -> tuple[float, float]:
    base = [sys.executable, "-m", "doctor", "check", "--snapshot", str(EXAMPLE), "--tp", "2"]
    plain, metrics = [], []
    for _ in range(runs):
        plain.append(wall(base))
        metrics.append(wall(base + ["--metrics-file", os.path.join(directory, "doctor.prom")]))
    return statistics.median(plain), statistics.median(metrics)


def in_process(runs: int, directory: str, name: str) -> float:
    from doctor.checks.runner import run_checks
    from doctor.metrics.output import format_of, write_metrics
    from doctor.metrics.samples import HostRun
    from doctor.model import Intent
    from doctor.report import Report
    from doctor.runtime import Runtime
    from doctor.snapshot import read

    evidence = read(str(EXAMPLE))
    runs_ = [HostRun(None, Report(run_checks(evidence, Intent(tp=2), []), Intent(tp=2)), evidence)]
    path = os.path.join(directory, name)
    runtime = Runtime(stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        write_metrics(path, format_of(path, None), runs_, runtime)
        walls.append(time.perf_counter() - started)
    return statistics.median(walls)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        plain, metrics = processes(args.runs, directory)
        textfile = in_process(args.runs * 10, directory, "doctor.prom")
        exporter = in_process(args.runs * 10, directory, "doctor.json")
    print(f"check --snapshot (A3 example)                 {plain * 1000:7.1f} ms (median of {args.runs})")
    print(f"check --snapshot --metrics-file doctor.prom   {metrics * 1000:7.1f} ms "
          f"(+{(metrics - plain) * 1000:.1f} ms, ratio {metrics / plain:.3f})")
    print(f"metrics step alone, textfile                  {textfile * 1000:7.2f} ms (median of {args.runs * 10})"
          "   (target ≤ 10 ms)")
    print(f"metrics step alone, NPU Exporter JSON         {exporter * 1000:7.2f} ms (median of {args.runs * 10})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
