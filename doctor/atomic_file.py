"""Write a file so that a reader sees the old content or the new, never half of it.

The text goes to a temporary file in the same directory (a rename is atomic only within one file
system), is flushed to disk, given its mode, and renamed over the target; the directory is synced
so the rename survives a crash. The temporary name starts with a dot and ends in .tmp, so
node_exporter's textfile collector (which reads *.prom only) never picks it up.
"""

from __future__ import annotations

import os
import tempfile


def write_atomically(path: str, text: str, mode: int = 0o644) -> None:
    """Raises OSError (the target's directory missing or unwritable, the target a directory ...)."""
    target = os.path.abspath(path)
    directory, name = os.path.split(target)
    if os.path.isdir(target):
        raise IsADirectoryError(21, "is a directory", path)
    fd, temp = tempfile.mkstemp(prefix=f".{name[:60]}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fchmod(handle.fileno(), mode)     # mkstemp makes 0600; readers need the mode asked for
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        _remove(temp)
        raise
    fsync_directory(directory)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def fsync_directory(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
