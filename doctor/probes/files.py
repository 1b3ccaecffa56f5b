"""Read files and describe paths under the inspected root."""

from __future__ import annotations

import json
import os
import stat
import time

from doctor import bounded
from doctor.evidence import FAILED, MISSING, NOT_A_FILE, OK, PERMISSION, REFUSED, TOO_LARGE, Observation
from doctor.evidence_keys import file_key

FILE_LIMIT = 1024 * 1024
DIR_ENTRY_LIMIT = 4096      # /dev entries described; a real host has a few dozen


def under_root(root: str, path: str) -> str:
    return os.path.join(root, path.lstrip("/")) if root not in ("", "/") else path


def read_file(root: str, path: str, limit: int = FILE_LIMIT) -> Observation:
    key = file_key(path)
    started = time.time()
    real = under_root(root, path)
    try:
        raw = bounded.read_file(real, limit)
    except FileNotFoundError:
        return Observation(key, "file", MISSING, detail=f"{path} does not exist", started_at=started)
    except PermissionError:
        return Observation(key, "file", PERMISSION, detail=f"{path} is not readable by this user", started_at=started)
    except bounded.ReadRefused as exc:
        status = NOT_A_FILE if os.path.isdir(real) else REFUSED
        return Observation(key, "file", status, detail=_shown(root, str(exc)), started_at=started)
    except bounded.TooLarge as exc:
        return Observation(key, "file", TOO_LARGE, output=_decode(exc.head), started_at=started,
                           detail=f"{path} is larger than {bounded.human_size(limit)}; only its start was read")
    except OSError as exc:
        return Observation(key, "file", FAILED, detail=f"{path}: {exc.strerror or exc}", started_at=started)
    return Observation(key, "file", OK, output=_decode(raw), started_at=started, detail=path)


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def _shown(root: str, message: str) -> str:
    """A message about a path under --root, worded with the host's own path."""
    return message if root in ("", "/") else message.replace(root.rstrip("/"), "", 1)


def describe(root: str, path: str) -> dict:
    """What is at `path`: its type, and major/minor for device nodes. Links are followed."""
    real = under_root(root, path)
    try:
        info = os.stat(real)
    except FileNotFoundError:
        return {"exists": False, "broken_link": os.path.islink(real)}
    except OSError as exc:
        return {"exists": None, "error": str(exc)}
    entry = {"exists": True, "type": _type_name(info.st_mode), "mode": oct(stat.S_IMODE(info.st_mode))}
    if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode):
        entry.update(major=os.major(info.st_rdev), minor=os.minor(info.st_rdev))
    return entry


def _type_name(mode: int) -> str:
    for test, name in ((stat.S_ISCHR, "char"), (stat.S_ISBLK, "block"), (stat.S_ISDIR, "dir"),
                       (stat.S_ISREG, "file"), (stat.S_ISFIFO, "fifo"), (stat.S_ISSOCK, "socket")):
        if test(mode):
            return name
    return "other"


def describe_paths(root: str, key: str, paths: list[str]) -> Observation:
    started = time.time()
    table = {path: describe(root, path) for path in sorted(set(paths))}
    return Observation(key, "json", OK, output=json.dumps(table, indent=1), started_at=started)


def list_dir(root: str, key: str, path: str, prefix_filter: tuple[str, ...]) -> Observation:
    """Entries of a directory whose names start with one of `prefix_filter`, described."""
    started = time.time()
    real = under_root(root, path)
    try:
        names = sorted(n for n in os.listdir(real) if n.startswith(prefix_filter))[:DIR_ENTRY_LIMIT]
    except FileNotFoundError:
        return Observation(key, "json", MISSING, detail=f"{path} does not exist", started_at=started)
    except OSError as exc:
        return Observation(key, "json", PERMISSION if isinstance(exc, PermissionError) else FAILED,
                           detail=str(exc), started_at=started)
    table = {name: describe(root, os.path.join(path, name)) for name in names}
    return Observation(key, "json", OK, output=json.dumps(table, indent=1), started_at=started, detail=path)
