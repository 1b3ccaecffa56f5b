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
ENVIRON_LIMIT = 256 * 1024


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
    """Processes of this user whose environment carries a wanted mark (read from /proc)."""
    found = []
    me, uid = os.getpid(), os.getuid()
    for name in _proc_entries():
        pid = int(name)
        if pid == me:
            continue
        try:
            if os.stat(f"/proc/{name}").st_uid != uid:
                continue
            with open(f"/proc/{name}/environ", "rb") as handle:
                environ = handle.read(ENVIRON_LIMIT)
        except OSError:
            continue
        value = _mark_in(environ)
        if value and wanted(value):
            found.append(pid)
    return found


def _proc_entries() -> list[str]:
    try:
        return [name for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return []


def _mark_in(environ: bytes) -> str | None:
    prefix = MARK_VARIABLE.encode() + b"="
    for entry in environ.split(b"\0"):
        if entry.startswith(prefix):
            return entry[len(prefix):].decode("ascii", "replace")
    return None
