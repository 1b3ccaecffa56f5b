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


# A real sample of every `ascend-doctor parse` kind (doctor/commands/parse_kinds.py).
KIND_SAMPLES = {
    "npu-smi-info": ("npu-smi-info", "blog-800IA2-910B4-x8-25.0.rc1.1"),
    "npu-smi-info-l": ("npu-smi-t", "blog-800IA2-910B4-x8-info-l"),
    "npu-smi-info-m": ("npu-smi-t", "blog-800IA2-910B4-x8-info-m-with-mcu"),
    "npu-smi-board": ("npu-smi-t", "mindcluster-fd-910A-board-i0"),
    "npu-smi-health": ("npu-smi-t", "mindcluster-fd-910A-health-i0-c0-alarm"),
    "npu-smi-fields": ("npu-smi-t", "arthurchiao-910B1-common-i1-with-mcu"),
    "hccn-link": ("hccn", "mindcluster-doc-link-up"),
    "hccn-net-health": ("hccn", "mindcluster-fd-910A-net_health-i0-socket-failed"),
    "hccn-ip": ("hccn", "arthurchiao-910B1-ip-i3"),
    "hccn-fec": ("hccn", "mindcluster-fd-910A-fec-i0"),
    "hccn-link-stat": ("hccn", "mindcluster-fd-910A-link_stat-i0-after-linkdown"),
    "hccn-optical": ("hccn", "mindcluster-fd-910A-optical-i0"),
    "hccn-stat": ("hccn", "mindcluster-fd-910A-stat-i0"),
    "hccn-hw-stats": ("hccn", "arthurchiao-910B1-hw_stats-i3"),
    "hccn-ping": ("hccn", "arthurchiao-910B1-ping-i3"),
    "hccn-route": ("hccn", "arthurchiao-910B1-route-i3"),
    "hccn-lldp": ("hccn", "arthurchiao-910B1-lldp-i3-elided"),
    "hccn-status": ("hccn", "arthurchiao-910B1-status-i3-annotated"),
    "hccn-tls": ("hccn", "mindcluster-doc-tls-grep-switch"),
    "hccn-conf": ("hccn", "arthurchiao-910B1-hccn.conf-elided"),
    "ping": ("hccn", "arthurchiao-910B1-ping-i3"),
    "dev-ls-l": ("dev-listing", "arthurchiao-910B1-ll-hisi_hdc-devmm_svm"),
    "dev-ls": ("dev-listing", "arthurchiao-910B1-ls-dev-davinci"),
    "lspci": ("dev-listing", "blog-800IA2-lspci-grep-d802"),
    "version-file": ("version-files", "mindcluster-fd-driver-version.info-23.0.7"),
    "version-cfg": ("version-files", "vllm-ascend-629-toolkit-version.cfg-8.1.RC1"),
    "collect-env": ("collect-env", "vllm-ascend-6271-910B3-25.2.0-cann8.5-openeuler"),
}


def kind_sample_path(kind: str) -> Path:
    return sample_path(*KIND_SAMPLES[kind])
