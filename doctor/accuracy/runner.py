"""Run lm-eval as a child process under a deadline, everything it prints going to a log file.

It runs in a session of its own, so its workers die with it when the deadline passes, and the
terminal's Ctrl-C reaches only us: we end it and keep what it wrote.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass

from doctor.probes import reaper

POLL_S = 0.2
REAP_GRACE_S = 5.0
TAIL_BYTES = 64 * 1024


@dataclass(frozen=True)
class Outcome:
    returncode: int | None      # None: it did not end by itself
    seconds: float
    timed_out: bool = False
    interrupted: bool = False
    start_error: str = ""       # it could not be started at all

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def run(argv: list[str], env: dict[str, str], log_path: str, timeout: float, clock=time.monotonic) -> Outcome:
    started = clock()
    mark = reaper.new_mark()
    with open(log_path, "ab") as log:
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True, env={**env, reaper.MARK_VARIABLE: mark})
        except OSError as exc:
            return Outcome(None, clock() - started, start_error=f"cannot start {argv[0]}: {exc.strerror or exc}")
        with reaper.watching(proc.pid, mark):
            return _wait(proc, mark, started + timeout, started, clock)


def _wait(proc: subprocess.Popen, mark: str, deadline: float, started: float, clock) -> Outcome:
    try:
        while clock() < deadline:
            try:
                proc.wait(timeout=POLL_S)
                return Outcome(proc.returncode, clock() - started)
            except subprocess.TimeoutExpired:
                continue
    except KeyboardInterrupt:
        _end(proc, mark)
        return Outcome(None, clock() - started, interrupted=True)
    _end(proc, mark)
    return Outcome(None, clock() - started, timed_out=True)


def _end(proc: subprocess.Popen, mark: str) -> None:
    reaper.kill(proc.pid, mark)
    try:
        proc.wait(timeout=REAP_GRACE_S)
    except subprocess.TimeoutExpired:
        pass


def log_tail(log_path: str, lines: int = 8) -> list[str]:
    """The last lines of the log (progress bars' carriage returns cut to what was last shown)."""
    try:
        with open(log_path, "rb") as log:
            log.seek(max(os.path.getsize(log_path) - TAIL_BYTES, 0))
            text = log.read().decode("utf-8", "replace")
    except OSError:
        return []
    shown = [line.rsplit("\r", 1)[-1].rstrip() for line in text.split("\n")]
    return [line for line in shown if line.strip()][-lines:]
