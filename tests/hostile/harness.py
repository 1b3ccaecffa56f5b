"""Run the real `ascend-doctor` as a child process and hold it to the hostile-input promises.

Every case asserts the exit code, that no traceback reached the user, that the run ended in
bounded time and memory, and that nothing secret or from outside the input was printed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MEMORY_LIMIT_MB = 100


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
    proc = subprocess.Popen([sys.executable, "-m", "doctor", *argv], env=environ, cwd=cwd or str(REPO),
                            stdin=source, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    streams = {"out": b"", "err": b""}
    readers = [threading.Thread(target=_drain, args=(proc.stdout, streams, "out"), daemon=True),
               threading.Thread(target=_drain, args=(proc.stderr, streams, "err"), daemon=True)]
    if feed is not None:
        readers.append(threading.Thread(target=_feed, args=(proc.stdin, feed), daemon=True))
    for thread in readers:
        thread.start()
    status, usage = _wait(proc, started + timeout, argv)
    seconds = time.monotonic() - started
    for thread in readers:
        thread.join(5)
    code = os.waitstatus_to_exitcode(status)
    return Ran(code, streams["out"].decode("utf-8", "replace"), streams["err"].decode("utf-8", "replace"),
               seconds, usage.ru_maxrss / 1024)


def _drain(stream, streams: dict, name: str) -> None:
    streams[name] = stream.read()


def _feed(stream, data: bytes) -> None:
    try:
        stream.write(data)
        stream.close()
    except OSError:   # the doctor stopped reading: that is its right
        pass


def _wait(proc: subprocess.Popen, deadline: float, argv) -> tuple:
    """os.wait4, so the peak memory is this child's own and not the largest child pytest ever had."""
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return status, usage
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            os.wait4(proc.pid, 0)
            proc.returncode = -9
            raise AssertionError(f"ascend-doctor {' '.join(argv)} still ran at its deadline")
        time.sleep(0.01)


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
