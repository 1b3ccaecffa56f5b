"""Run one command with a deadline and an output cap; every outcome becomes an Observation."""

from __future__ import annotations

import os
import selectors
import subprocess
import time
from typing import Sequence

from doctor.evidence import FAILED, MISSING, NOT_A_FILE, OK, PERMISSION, TIMEOUT, TOO_LARGE, Observation
from doctor.probes import reaper

OUTPUT_LIMIT = 1024 * 1024        # stdout kept of one command; past it the command is stopped
STDERR_LIMIT = 64 * 1024          # stderr kept; the rest is read and dropped
REAP_GRACE_S = 2.0
CHUNK = 64 * 1024


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


def run_command(key: str, argv: Sequence[str], timeout: float, search_dirs: Sequence[str],
                limit: int = OUTPUT_LIMIT) -> Observation:
    started = time.time()
    path, status, detail = resolve(argv[0], search_dirs)
    if status != OK:
        return Observation(key, "command", status, detail=detail, argv=tuple(argv), started_at=started)
    return _execute(key, [path, *argv[1:]], timeout, started, limit)


def _execute(key: str, argv: list[str], timeout: float, started: float, limit: int) -> Observation:
    clock = time.monotonic()
    mark = reaper.new_mark()
    try:
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True,  # so a hung probe's children die with it
            env={**os.environ, reaper.MARK_VARIABLE: mark},
        )
    except PermissionError as exc:
        return Observation(key, "command", PERMISSION, detail=str(exc), argv=tuple(argv), started_at=started)
    except OSError as exc:
        return Observation(key, "command", FAILED, detail=str(exc), argv=tuple(argv), started_at=started)
    with reaper.watching(proc.pid, mark):
        out, err, ending = _read_output(proc, clock + timeout, limit)
        status, detail = OK, ""
        if ending == "timeout" or (ending == "eof" and not _exited(proc, clock + timeout)):
            status, detail = TIMEOUT, f"killed after {timeout:g} s without finishing"
        elif ending == "too-large":
            status, detail = TOO_LARGE, f"printed more than {limit // 1024} KiB; stopped and cut there"
        if status != OK:
            reaper.kill(proc.pid, mark)
            _exited(proc, time.monotonic() + REAP_GRACE_S)
    return Observation(
        key, "command", status,
        output=_text(out), stderr=_text(err),
        exit_code=proc.returncode if status == OK else None,
        duration_s=round(time.monotonic() - clock, 3), started_at=started,
        detail=detail, argv=tuple(argv),
    )


def _read_output(proc: subprocess.Popen, deadline: float, limit: int) -> tuple[bytes, bytes, str]:
    """Both pipes read as they fill, until both close ("eof"), the deadline, or stdout passes `limit`."""
    kept = {proc.stdout: bytearray(), proc.stderr: bytearray()}
    caps = {proc.stdout: limit, proc.stderr: STDERR_LIMIT}
    ending = "eof"
    with selectors.DefaultSelector() as selector:
        for stream in kept:
            selector.register(stream, selectors.EVENT_READ)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                ending = "timeout"
                break
            for selected, _ in selector.select(remaining):
                stream = selected.fileobj
                chunk = os.read(stream.fileno(), CHUNK)
                if not chunk:
                    selector.unregister(stream)
                    continue
                room = caps[stream] + 1 - len(kept[stream])
                kept[stream] += chunk[:max(room, 0)]
            if len(kept[proc.stdout]) > limit:
                ending = "too-large"
                break
    for stream in kept:
        stream.close()
    return bytes(kept[proc.stdout][:limit]), bytes(kept[proc.stderr][:STDERR_LIMIT]), ending


def _exited(proc: subprocess.Popen, deadline: float) -> bool:
    try:
        proc.wait(timeout=max(deadline - time.monotonic(), 0.01))
        return True
    except subprocess.TimeoutExpired:
        return False


def _text(raw: bytes | None) -> str:
    if not raw:
        return ""
    # Kept lossless enough for parsers: undecodable bytes become U+FFFD, NULs stay
    # so the parser can call the output binary.
    return raw.decode("utf-8", errors="replace")
