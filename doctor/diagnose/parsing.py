"""The project's parsers applied to pieces of a paste; a piece they cannot read is left out, not fatal."""

from __future__ import annotations

from doctor.parsers.collect_env import CollectEnv, parse_collect_env
from doctor.parsers.errors import ParseError


def collect_env(text: str) -> CollectEnv | None:
    try:
        return parse_collect_env(text)
    except (ParseError, RecursionError):
        return None
