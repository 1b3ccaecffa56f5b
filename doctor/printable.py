"""Text from captures and arguments made safe for a terminal: control characters shown, not obeyed."""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, and the bidi overrides that reorder what is shown.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with every control character (ESC, CR, BEL ...) written as a visible escape."""
    return _CONTROL.sub(_escape, text)


def printable_line(text: str) -> str:
    """Like printable, and a newline too, for text that must stay on one line."""
    return printable(text).replace("\n", "\\n")


def shortened(text: str, limit: int = 200) -> str:
    """printable_line of the start of `text`, with "..." where it was cut: a user's value in a message."""
    return printable_line(text[:limit]) + ("..." if len(text) > limit else "")
