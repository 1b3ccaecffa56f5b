"""Mutated real samples: every parser returns a result or raises ParseError, nothing else."""

from __future__ import annotations

from typing import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doctor.parsers import dev_listing, hccn, npu_smi_fields, npu_smi_map, version_files
from doctor.parsers.errors import ParseError
from doctor.parsers.text import decode
from tests.support import golden

Parser = Callable[[str], object]


def samples(category: str) -> list[str]:
    """The category's samples in file-name order (the order the seeds are drawn from)."""
    paths = sorted((golden.FIXTURES / category).glob("*.txt"))
    return [golden.sample(category, path.stem) for path in paths]


def version_summary(text: str) -> object:
    fields = version_files.parse_version_file(text)
    ranges = [version_files.parse_ranges(value) for key, value in fields.items() if "compatible" in key]
    return version_files.version_of(fields), ranges


def cfg_summary(text: str) -> object:
    return version_files.cann_version_from_cfg(version_files.parse_version_cfg(text))


def link_stat_summary(text: str) -> object:
    stat = hccn.parse_link_stat(text)
    return stat.current_state, stat.down_count


def status_summary(text: str) -> object:
    return hccn.speed_mbps(hccn.parse_netdev_status(text)[1])


def davinci_summary(text: str) -> object:
    return dev_listing.davinci_ids(dev_listing.parse_ls_names(text))


def ls_summary(text: str) -> object:
    return [(entry.permission_bits, entry.world_writable) for entry in dev_listing.parse_ls_l(text)]


def lspci_summary(text: str) -> object:
    return [device.device_id for device in dev_listing.parse_lspci(text)]


PARSERS_BY_CATEGORY: dict[str, list[Parser]] = {
    "npu-smi-t": [
        npu_smi_fields.parse_fields,
        npu_smi_fields.parse_sections,
        npu_smi_fields.parse_board,
        npu_smi_fields.parse_card_list,
        npu_smi_fields.parse_health,
        npu_smi_map.parse_chip_map,
    ],
    "version-files": [version_files.parse_version_file, version_summary, cfg_summary, version_files.parse_ranges],
    "hccn": [
        hccn.parse_link_status,
        hccn.parse_net_health,
        hccn.parse_fec,
        hccn.parse_ip,
        hccn.parse_hccn_conf,
        link_stat_summary,
        hccn.parse_optical,
        hccn.parse_stat,
        hccn.parse_hw_stats,
        hccn.parse_ping,
        hccn.parse_route,
        hccn.parse_lldp,
        status_summary,
        hccn.parse_tls_switch,
    ],
    "dev-listing": [ls_summary, davinci_summary, lspci_summary],
}

# Characters that matter to these formats, plus a few that should never.
INTERESTING = list(":=[],.- \t\n#|*0123456789xX") + ["\ufffd", "\u0663", "\u00b2", "\x1b", "\u3000"]


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    for _ in range(draw(st.integers(1, 4))):
        text = draw(st.sampled_from([_truncate, _delete_line, _duplicate_line, _substitute]))(draw, text)
    return text


def _truncate(draw: st.DrawFn, text: str) -> str:
    return text[: draw(st.integers(0, len(text)))]


def _delete_line(draw: st.DrawFn, text: str) -> str:
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    del lines[draw(st.integers(0, len(lines) - 1))]
    return "".join(lines)


def _duplicate_line(draw: st.DrawFn, text: str) -> str:
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    index = draw(st.integers(0, len(lines) - 1))
    lines.insert(draw(st.integers(0, len(lines))), lines[index])
    return "".join(lines)


def _substitute(draw: st.DrawFn, text: str) -> str:
    if not text:
        return text
    index = draw(st.integers(0, len(text) - 1))
    replacement = draw(st.sampled_from(INTERESTING) | st.characters())
    return text[:index] + replacement + text[index + 1 :]


def _parse_or_reject(parser: Parser, text: str) -> None:
    try:
        parser(text)
    except ParseError as error:
        assert error.reason


def _cases(category: str) -> st.SearchStrategy[tuple[Parser, str]]:
    seeds = samples(category)
    return st.tuples(
        st.sampled_from(PARSERS_BY_CATEGORY[category]),
        st.sampled_from(seeds).flatmap(mutated),
    )


FUZZ = settings(
    max_examples=400,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(_cases("npu-smi-t"))
def test_npu_smi_key_value_and_map_parsers(case: tuple[Parser, str]) -> None:
    _parse_or_reject(*case)


@FUZZ
@given(_cases("version-files"))
def test_version_file_parsers(case: tuple[Parser, str]) -> None:
    _parse_or_reject(*case)


@FUZZ
@given(_cases("hccn"))
def test_hccn_parsers(case: tuple[Parser, str]) -> None:
    _parse_or_reject(*case)


@FUZZ
@given(_cases("dev-listing"))
def test_dev_listing_parsers(case: tuple[Parser, str]) -> None:
    _parse_or_reject(*case)


ALL_PARSERS = [parser for parsers in PARSERS_BY_CATEGORY.values() for parser in parsers]


@settings(max_examples=300, deadline=None, database=None)
@given(st.sampled_from(ALL_PARSERS), st.text())
def test_arbitrary_text(parser: Parser, text: str) -> None:
    _parse_or_reject(parser, text)


@settings(max_examples=200, deadline=None, database=None)
@given(st.sampled_from(ALL_PARSERS), st.binary())
def test_arbitrary_bytes_through_decode(parser: Parser, raw: bytes) -> None:
    try:
        text = decode(raw)
    except ParseError:
        return
    _parse_or_reject(parser, text)
