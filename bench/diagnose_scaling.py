"""How `ascend-doctor diagnose` grows with its input: a serving log of 1 MB and of 10 MB (real-shaped
vLLM INFO lines, a traceback, an npu-smi table, a docker run and an error line near the end), each in
its own child process; os.wait4 gives the child's own peak RSS. Linear means a time ratio near 10 (the
interpreter's start-up makes it lower); the target is <= 1 s for 10 MB.

    python bench/diagnose_scaling.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.check_table import fixture  # noqa: E402

SIZES_MB = (1, 10)
LINE = ("INFO 06-18 10:59:31 [loggers.py:123] Engine 000: Avg prompt throughput: 0.0 tokens/s, Avg generation "
        "throughput: 12.3 tokens/s, Running: 1 reqs, Waiting: 0 reqs, GPU KV cache usage: 0.4%\n")
TAIL = (fixture("npu-smi-info/blog-800IA2-910B4-x8-25.0.rc1.1.txt")
        + "docker run --device /dev/davinci0 --device /dev/davinci_manager -it img bash\n"
        + "Traceback (most recent call last):\n  File \"a.py\", line 1, in f\nRuntimeError: boom\n"
        + "EJ0001: Failed to initialize the HCCP process.\n")


def log_of(megabytes: int) -> bytes:
    body = LINE * (megabytes * 1024 * 1024 // len(LINE))
    return (body + TAIL).encode()


def run(path: str) -> tuple[float, float, int]:
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "doctor", "diagnose", path], cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    return time.monotonic() - started, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        for size in SIZES_MB:
            path = os.path.join(scratch, f"{size}mb.log")
            Path(path).write_bytes(log_of(size))
            seconds, peak, code = run(path)
            results[size] = seconds
            print(f"{size:>3} MB: {seconds:.2f} s wall, peak {peak:.1f} MB, exit {code}")
    print(f"ratio for 10x the input: {results[10] / results[1]:.1f}")


if __name__ == "__main__":
    main()
