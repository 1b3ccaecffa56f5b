"""Captured samples, golden outputs and shared checks for the parser tests.

A sample is ``tests/fixtures/<category>/<name>.txt`` with ``<name>.meta.json`` beside it;
its expected parse, where there is one, is ``tests/golden/<category>/<name>.json``.
Categories are the folder names: ``npu-smi-info``, ``npu-smi-t``, ``version-files``,
``hccn``, ``dev-listing``, ``collect-env`` (and ``docker`` for captures made here).
"""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Sequence, TypeVar

import pytest

from doctor.parsers.errors import ParseError
from doctor.parsers.text import decode

TESTS = Path(__file__).resolve().parents[1]
FIXTURES = TESTS / "fixtures"
GOLDEN = TESTS / "golden"

Result = TypeVar("Result")


def sample_path(category: str, name: str) -> Path:
    return FIXTURES / category / f"{name}.txt"


def meta_path(category: str, name: str) -> Path:
    return FIXTURES / category / f"{name}.meta.json"


def golden_path(category: str, name: str) -> Path:
    return GOLDEN / category / f"{name}.json"


def sample_names(category: str) -> list[str]:
    """The names of every ``.txt`` sample of a category, sorted."""
    return sorted(path.stem for path in (FIXTURES / category).glob("*.txt"))


def sample(category: str, name: str) -> str:
    """A sample's text as a parser receives it: through ``decode``."""
    return decode(sample_path(category, name).read_bytes())


def meta(category: str, name: str) -> dict:
    return json.loads(meta_path(category, name).read_text(encoding="utf-8"))


def golden(category: str, name: str) -> Any:
    return json.loads(golden_path(category, name).read_text(encoding="utf-8"))


def jsonable(value: object) -> object:
    """Parser results as JSON would hold them: dataclasses and dicts become dicts with
    ``str`` keys, tuples and lists become lists, datetimes ISO strings."""
    if is_dataclass(value):
        return jsonable(asdict(value))
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def outcome(parser: Callable[[str], object], text: str) -> object:
    """What a golden file records: the result as JSON, or ``{"parse_error": reason}``."""
    try:
        return jsonable(parser(text))
    except ParseError as error:
        return {"parse_error": error.reason}


def assert_rejects_binary(parser: Callable[[str], object], *captures: bytes) -> None:
    """Each capture, passed through ``decode``, is refused with ParseError (by ``decode`` or the parser)."""
    for raw in captures:
        try:
            parser(decode(raw))
        except ParseError:
            continue
        pytest.fail(f"{parser.__name__} accepted {raw!r}")


def assert_prefix_or_rejected(
    parser: Callable[[str], Result], text: str, cut: int, view: Callable[[Result], Sequence[object]]
) -> None:
    """``text`` cut short at ``cut`` is refused with ParseError, or what it reads, seen through
    ``view``, is a prefix of what the whole ``text`` reads."""
    whole = view(parser(text))
    try:
        cut_short = parser(text[:cut])
    except ParseError:
        return
    seen = view(cut_short)
    assert seen == whole[: len(seen)]
