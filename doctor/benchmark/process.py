"""One benchmark process: its output to a log file, a deadline, and a stop that takes its whole
process group (and, through `stop_inside`, what it started in a container) with it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

GRACE_S = 0.5      # after SIGTERM, before SIGKILL: Ctrl-C must end everything within a second


@dataclass(frozen=True)
class Finished:
    returncode: int | None          # None: it did not end by itself
    seconds: float
    timed_out: bool = False
    interrupted: bool = False
    error: str = ""                 # it could not be started


def run_logged(argv: list[str], log_path: str, timeout_s: float,
               stop_inside: Callable[[], None] | None = None) -> Finished:
    """Run argv with stdout and stderr into log_path; stop it when timeout_s passes or on Ctrl-C."""
    started = time.monotonic()
    with open(log_path, "wb") as log:
        try:
            process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
        except OSError as exc:
            return Finished(None, time.monotonic() - started, error=f"cannot run {argv[0]}: {exc.strerror or exc}")
    try:
        returncode = process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        stop(process, stop_inside)
        return Finished(None, time.monotonic() - started, timed_out=True)
    except KeyboardInterrupt:
        stop(process, stop_inside)
        return Finished(None, time.monotonic() - started, interrupted=True)
    return Finished(returncode, time.monotonic() - started)


def stop(process: subprocess.Popen, stop_inside: Callable[[], None] | None = None) -> None:
    if stop_inside is not None:
        stop_inside()
    _signal_group(process.pid, signal.SIGTERM)
    try:
        process.wait(GRACE_S)
    except subprocess.TimeoutExpired:
        pass
    _signal_group(process.pid, signal.SIGKILL)     # whatever of the group is still there
    process.wait()


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
