"""How `ascend-doctor parse npu-smi-info` grows with its input: time and peak memory on a real-shaped
output (the A3 capture's rows, its process table grown) of 5,000 and of 50,000 lines, in one run;
then what the worst inputs the command accepts cost: real rows up to its byte limit, and its line
limit of the shortest process rows it reads.

Each input runs in its own child process; os.wait4 gives that child's own peak RSS. Linear means
a time ratio near 10 (the interpreter's start-up makes it lower); the target is <= 100 MB at
50,000 lines.

    python bench/parse_scaling.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from doctor.commands.parse import INPUT_LIMIT, LINE_LIMIT  # noqa: E402
from tests.parsers import synthetic  # noqa: E402

SIZES = (5_000, 50_000)
MEMORY_TARGET_MB = 100


def measured(path: Path) -> tuple[float, float]:
    """(seconds, peak MB) of one `parse npu-smi-info PATH`."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "doctor", "parse", "npu-smi-info", str(path)], cwd=REPO,
                             env={**os.environ, "PYTHONPATH": str(REPO)},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"parse npu-smi-info {path} exited {child.returncode}")
    return seconds, usage.ru_maxrss / 1024


def best_of(runs: int, path: Path) -> tuple[float, float]:
    results = [measured(path) for _ in range(runs)]
    return min(seconds for seconds, _ in results), max(peak for _, peak in results)


def at_the_limits() -> dict[str, str]:
    """The largest inputs `parse` accepts: real rows up to INPUT_LIMIT, LINE_LIMIT minimal process rows."""
    real = synthetic.npu_smi_info(INPUT_LIMIT // 125)   # a row and its share of separators: ~121 bytes
    head = synthetic.npu_smi_info(0)
    pids = range(10**6, 10**6 + LINE_LIMIT - head.count("\n"))
    tiny = head + "".join(f"|4 0|{pid}|x|1|\n" for pid in pids)
    return {f"real rows up to {INPUT_LIMIT // 2**20} MiB": real, f"{LINE_LIMIT:,} lines of '|4 0|pid|x|1|'": tiny}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows, limits = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for lines in SIZES:
            path = Path(tmp) / f"npu-smi-{lines}.txt"
            path.write_text(synthetic.npu_smi_info_lines(lines))
            rows[lines] = (path.stat().st_size, *best_of(args.runs, path))
        for name, text in at_the_limits().items():
            path = Path(tmp) / "limit.txt"
            path.write_text(text)
            limits[name] = (path.stat().st_size, text.count("\n"), *best_of(1, path))
    for lines, (size, seconds, peak) in rows.items():
        print(f"{lines:>6} lines  {size / 2**20:5.2f} MiB   {seconds:6.3f} s (best of {args.runs})   "
              f"peak {peak:5.1f} MB")
    (_, small_s, small_mb), (_, large_s, large_mb) = rows[SIZES[0]], rows[SIZES[1]]
    growth = SIZES[1] // SIZES[0]
    print(f"time ratio {growth}x lines    {large_s / small_s:5.2f}  (linear ~{growth}; quadratic ~{growth * growth})")
    print(f"memory ratio {growth}x lines  {large_mb / small_mb:5.2f}  (peak at {SIZES[1]:,} lines "
          f"{large_mb:.1f} MB; target <= {MEMORY_TARGET_MB} MB)")
    for name, (size, lines, seconds, peak) in limits.items():
        print(f"at the limits: {name:32} {size / 2**20:5.2f} MiB {lines:>7,} lines  {seconds:6.3f} s   "
              f"peak {peak:5.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
