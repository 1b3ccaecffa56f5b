"""Run one command with a deadline; every outcome becomes an Observation."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Sequence

from doctor.evidence import FAILED, MISSING, NOT_A_FILE, OK, PERMISSION, TIMEOUT, Observation

OUTPUT_LIMIT = 4 * 1024 * 1024
REAP_GRACE_S = 2.0


def resolve(name: str, search_dirs: Sequence[str]) -> tuple[str | None, str, str]:
    """(path, status, detail): the first executable `name` in search_dirs.

    A directory where the binary should be is remembered rather than skipped
    silently: it is what `docker run -v /usr/local/bin/npu-smi:...` leaves when
    the host path does not exist.
    """
    if os.sep in name:
        return _classify(name)
    shadow = None
    for directory in search_dirs:
        candidate = os.path.join(directory, name)
        path, status, detail = _classify(candidate)
        if status == OK:
            return path, status, detail
        if status in (NOT_A_FILE, PERMISSION) and shadow is None:
            shadow = (path, status, detail)
    if shadow:
        return shadow
    return None, MISSING, f"{name} not found in {', '.join(search_dirs) or 'an empty PATH'}"


def _classify(path: str) -> tuple[str | None, str, str]:
    if os.path.isdir(path):
        return path, NOT_A_FILE, f"{path} is a directory, not an executable"
    if not os.path.exists(path):
        return None, MISSING, f"{path} does not exist"
    if not os.access(path, os.X_OK):
        return path, PERMISSION, f"{path} is not executable by this user"
    return path, OK, path


def run_command(key: str, argv: Sequence[str], timeout: float, search_dirs: Sequence[str]) -> Observation:
    started = time.time()
    path, status, detail = resolve(argv[0], search_dirs)
    if status != OK:
        return Observation(key, "command", status, detail=detail, argv=tuple(argv), started_at=started)
    return _execute(key, [path, *argv[1:]], timeout, started)


def _execute(key: str, argv: list[str], timeout: float, started: float) -> Observation:
    clock = time.monotonic()
    try:
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True,  # so a hung probe's children die with it
        )
    except PermissionError as exc:
        return Observation(key, "command", PERMISSION, detail=str(exc), argv=tuple(argv), started_at=started)
    except OSError as exc:
        return Observation(key, "command", FAILED, detail=str(exc), argv=tuple(argv), started_at=started)
    status, detail = OK, ""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        out, err = _kill_and_reap(proc)
        status, detail = TIMEOUT, f"killed after {timeout:g} s without finishing"
    return Observation(
        key, "command", status,
        output=_text(out), stderr=_text(err),
        exit_code=None if status == TIMEOUT else proc.returncode,
        duration_s=round(time.monotonic() - clock, 3), started_at=started,
        detail=detail, argv=tuple(argv),
    )


def _kill_and_reap(proc: subprocess.Popen) -> tuple[bytes, bytes]:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    try:
        return proc.communicate(timeout=REAP_GRACE_S)
    except subprocess.TimeoutExpired:
        return b"", b""


def _text(raw: bytes | None) -> str:
    if not raw:
        return ""
    # Kept lossless enough for parsers: undecodable bytes become U+FFFD, NULs stay
    # so the parser can call the output binary.
    return raw[:OUTPUT_LIMIT].decode("utf-8", errors="replace")
