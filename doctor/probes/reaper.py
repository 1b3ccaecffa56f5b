"""Ending probe processes for good: their process group and any descendant that escaped it.

A child that calls setsid() leaves the probe's process group, so killing the group misses it.
Every probe child carries a mark in its environment, which descendants inherit whatever
session they move to; a kill also ends every process of this user that carries the mark.
"""

from __future__ import annotations

import itertools
import os
import signal
import threading
import uuid
from contextlib import contextmanager

MARK_VARIABLE = "ASCEND_DOCTOR_PROBE"
_RUN = uuid.uuid4().hex[:12]
_counter = itertools.count(1)
_running: dict[int, str] = {}      # process group id -> mark
_lock = threading.Lock()


def new_mark() -> str:
    return f"{_RUN}-{next(_counter)}"


@contextmanager
def watching(pgid: int, mark: str):
    """While the block runs, an interrupt (`kill_all`) can end this probe."""
    with _lock:
        _running[pgid] = mark
    try:
        yield
    finally:
        with _lock:
            _running.pop(pgid, None)


def kill(pgid: int, mark: str) -> None:
    _kill_group(pgid)
    for pid in _marked_pids(lambda value: value == mark):
        _kill_pid(pid)


def kill_all() -> int:
    """End every running probe of this process and their escaped descendants; how many groups."""
    with _lock:
        groups = list(_running)
    for pgid in groups:
        _kill_group(pgid)
    for pid in _marked_pids(lambda value: value.startswith(_RUN + "-")):
        _kill_pid(pid)
    return len(groups)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _kill_pid(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _marked_pids(wanted) -> list[int]:
    import psutil

    found = []
    uid = os.getuid()
    for proc in psutil.process_iter(["uids"]):
        try:
            if proc.info["uids"] is None or proc.info["uids"].real != uid or proc.pid == os.getpid():
                continue
            value = proc.environ().get(MARK_VARIABLE)
        except (psutil.Error, OSError):
            continue
        if value and wanted(value):
            found.append(proc.pid)
    return found
