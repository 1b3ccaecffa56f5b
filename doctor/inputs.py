"""Reading what a user names on the command line: a regular file or standard input, within a limit."""

from __future__ import annotations

from doctor import bounded
from doctor.errors import UsageError
from doctor.printable import printable_line, shortened
from doctor.runtime import Runtime


class InputTooLarge(UsageError):
    """More than the limit; a command may word what that means for its input."""

    def __init__(self, name: str, limit: int) -> None:
        super().__init__(f"{input_name(name)} has more than {bounded.human_size(limit)}; not read")
        self.name, self.limit = name, limit


def input_name(name: str) -> str:
    return "standard input" if name == "-" else shortened(name)


def read_input(name: str, runtime: Runtime, limit: int) -> bytes:
    """The bytes of FILE, or of standard input for "-"; a usage error for anything unreadable."""
    try:
        if name == "-":
            return _read_stdin(runtime, limit)
        return bounded.read_file(name, limit)
    except bounded.ReadRefused as exc:
        raise UsageError(printable_line(str(exc))) from None
    except bounded.TooLarge:
        raise InputTooLarge(name, limit) from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {input_name(name)}: {getattr(exc, 'strerror', None) or exc}") from None


def _read_stdin(runtime: Runtime, limit: int) -> bytes:
    stream = runtime.stdin
    if stream is None:
        raise UsageError("standard input is closed: name a FILE instead of -")
    return bounded.read_stream(getattr(stream, "buffer", None) or _Encoded(stream), limit)


class _Encoded:
    """A text stream read as bytes (a test's StringIO)."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def read(self, size: int) -> bytes:
        return self.stream.read(size).encode("utf-8")
