"""Reading what a user names on the command line: a regular file or standard input, within a limit."""

from __future__ import annotations

from doctor import bounded
from doctor.errors import UsageError
from doctor.printable import printable_line
from doctor.runtime import Runtime


def read_input(name: str, runtime: Runtime, limit: int) -> bytes:
    """The bytes of FILE, or of standard input for "-"; a usage error for anything unreadable."""
    if name == "-":
        return _read_stdin(runtime, limit)
    shown = printable_line(name[:200])
    try:
        return bounded.read_file(name, limit)
    except bounded.ReadRefused as exc:
        raise UsageError(printable_line(str(exc))) from exc
    except bounded.TooLarge as exc:
        raise UsageError(f"{shown} is {exc}; not read") from exc
    except OSError as exc:
        raise UsageError(f"cannot read {shown}: {exc.strerror or exc}") from exc


def _read_stdin(runtime: Runtime, limit: int) -> bytes:
    stream = runtime.stdin
    if stream is None:
        raise UsageError("standard input is closed; give a FILE instead of -")
    try:
        return bounded.read_stream(getattr(stream, "buffer", None) or _Encoded(stream), limit)
    except bounded.TooLarge as exc:
        raise UsageError(f"standard input has {exc}; not read") from exc
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read standard input: {exc}") from exc


class _Encoded:
    """A text stream read as bytes (a test's StringIO)."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def read(self, size: int) -> bytes:
        return self.stream.read(size).encode("utf-8")
