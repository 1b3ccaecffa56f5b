"""Reads that stop at a size limit while reading and refuse what is not a regular file.

Opening a FIFO blocks until a writer comes, and reading a device or /proc file may never end,
so a path is looked at before it is opened and only regular files are read.
"""

from __future__ import annotations

import os
import stat
import time

CHUNK = 64 * 1024


class ReadRefused(Exception):
    """The path exists but is not something to read: the message says what it is."""


class TooLarge(Exception):
    """More bytes than the limit; `head` holds the first `limit` of them."""

    def __init__(self, limit: int, head: bytes | bytearray = b"") -> None:
        super().__init__(f"more than {human_size(limit)}")
        self.limit = limit
        self.head = head


def human_size(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} bytes"


def kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISREG, "a regular file"), (stat.S_ISDIR, "a directory"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISLNK, "a symbolic link")):
        if test(mode):
            return name
    return "a special file"


def read_file(path: str, limit: int, follow_links: bool = True, deadline: float | None = None,
              allow_hard_links: bool = True) -> bytes:
    """The bytes of a regular file of at most `limit` bytes.

    Raises ReadRefused for anything else (with follow_links=False, for a link too, and with
    allow_hard_links=False for a file that has other names, which may lie outside its folder),
    TooLarge past the limit, OSError (FileNotFoundError, PermissionError ...) as open() does.
    """
    info = os.stat(path) if follow_links else os.lstat(path)
    if not stat.S_ISREG(info.st_mode):
        raise ReadRefused(f"{path} is {kind_of(info.st_mode)}, not a regular file; not read")
    if not allow_hard_links and info.st_nlink > 1:
        raise ReadRefused(f"{path} has {info.st_nlink} hard links and may be a file from elsewhere; not read")
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)
    if not follow_links:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):   # swapped between the look and the open
            raise ReadRefused(f"{path} is not a regular file; not read")
        return _read_fd(fd, limit, deadline, path)
    finally:
        os.close(fd)


def _read_fd(fd: int, limit: int, deadline: float | None, name: str) -> bytes:
    def read(size: int) -> bytes:
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"reading {name} took too long")
        return os.read(fd, size)
    return _read_capped(read, limit)


def read_stream(stream, limit: int) -> bytes:
    """At most `limit` bytes from a binary stream (stdin); TooLarge past it."""
    return _read_capped(stream.read, limit)


def _read_capped(read, limit: int) -> bytes:
    kept = bytearray()
    while True:
        chunk = read(min(CHUNK, limit + 1 - len(kept)))
        if not chunk:
            return bytes(kept)
        kept += chunk
        if len(kept) > limit:
            del kept[limit:]
            raise TooLarge(limit, kept)      # no copy: at the limit that would double what is held
