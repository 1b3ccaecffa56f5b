"""Run the real `ascend-doctor` as a child process and hold it to the hostile-input promises.

Every case asserts the exit code, that no traceback reached the user, that the run ended in
bounded time and memory, and that nothing secret or from outside the input was printed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MEMORY_LIMIT_MB = 100
# A small go-between forks the doctor and reports the child's own peak RSS: measured from pytest
# directly, the peak would include pytest's memory, which a child holds until it execs.
MEASURED = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
open(sys.argv[1], "w").write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str
    seconds: float
    peak_mb: float


def doctor(*argv: str, env: dict | None = None, stdin: bytes | int | None = None, timeout: float = 60.0,
           cwd: str | None = None) -> Ran:
    """`python -m doctor ARGV` with a clean environment; stdin bytes are fed, an int is a file descriptor."""
    environ = {"PATH": "/nonexistent", "PYTHONPATH": str(REPO), "COLUMNS": "120", **(env or {})}
    feed = stdin if isinstance(stdin, bytes) else None
    source = subprocess.PIPE if feed is not None else (stdin if stdin is not None else subprocess.DEVNULL)
    started = time.monotonic()
    peak_file = tempfile.NamedTemporaryFile(prefix="peak-", delete=False)
    peak_file.close()
    proc = subprocess.Popen([sys.executable, "-S", "-c", MEASURED, peak_file.name, sys.executable, "-m", "doctor",
                             *argv], env=environ, cwd=cwd or str(REPO),
                            stdin=source, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    streams = {"out": b"", "err": b""}
    readers = [threading.Thread(target=_drain, args=(proc.stdout, streams, "out"), daemon=True),
               threading.Thread(target=_drain, args=(proc.stderr, streams, "err"), daemon=True)]
    if feed is not None:
        readers.append(threading.Thread(target=_feed, args=(proc.stdin, feed), daemon=True))
    for thread in readers:
        thread.start()
    code = _wait(proc, started + timeout, argv)
    seconds = time.monotonic() - started
    for thread in readers:
        thread.join(5)
    peak_kb = Path(peak_file.name).read_text() or "0"
    os.unlink(peak_file.name)
    return Ran(code, streams["out"].decode("utf-8", "replace"), streams["err"].decode("utf-8", "replace"),
               seconds, int(peak_kb) / 1024)


def _drain(stream, streams: dict, name: str) -> None:
    streams[name] = stream.read()


def _feed(stream, data: bytes) -> None:
    try:
        stream.write(data)
        stream.close()
    except OSError:   # the doctor stopped reading: that is its right
        pass


def _wait(proc: subprocess.Popen, deadline: float, argv) -> int:
    try:
        return proc.wait(timeout=max(deadline - time.monotonic(), 0))
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise AssertionError(f"ascend-doctor {' '.join(argv)} still ran at its deadline") from None


def assert_sane(ran: Ran, code: int, seconds: float = 30.0, memory_mb: float = MEMORY_LIMIT_MB,
                forbidden: tuple[str, ...] = ()) -> None:
    shown = f"exit {ran.code} in {ran.seconds:.1f} s, {ran.peak_mb:.0f} MB\nstdout:\n{ran.out[-2000:]}\n" \
            f"stderr:\n{ran.err[-2000:]}"
    assert "Traceback" not in ran.err and "Traceback" not in ran.out, shown
    assert ran.code == code, shown
    assert ran.seconds <= seconds, shown
    assert ran.peak_mb <= memory_mb, shown
    for secret in forbidden:
        assert secret not in ran.out and secret not in ran.err, f"{secret!r} was printed\n{shown}"
    assert "\x1b" not in ran.out and "\x1b" not in ran.err, f"a raw escape sequence reached the terminal\n{shown}"
