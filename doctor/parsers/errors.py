"""The one exception every parser raises for input it cannot read."""

from __future__ import annotations

EXCERPT_LIMIT = 400


def excerpt(text: str, limit: int = EXCERPT_LIMIT) -> str:
    """The start of `text`, cut to `limit` characters, for a finding's evidence."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"... [{len(text) - limit} more characters]"


class ParseError(ValueError):
    """Input that is not the output the parser expects.

    `reason` says what was wrong in one sentence; `excerpt` is the raw text
    the parser was looking at (shortened), so a finding can show it.
    """

    def __init__(self, reason: str, text: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.excerpt = excerpt(text)
