"""Turning raw captured bytes into text a parser can read."""

from __future__ import annotations

from doctor.parsers.errors import ParseError


def decode(raw: bytes | str) -> str:
    """Bytes -> str. Invalid UTF-8 is replaced, not fatal; NUL bytes mean binary."""
    if isinstance(raw, str):
        text = raw
    else:
        text = raw.decode("utf-8", errors="replace")
    if "\x00" in text:
        raise ParseError("input is binary (contains NUL bytes), not command output", text.replace("\x00", "\\0"))
    return text.replace("\r\n", "\n").replace("\r", "\n")
