from __future__ import annotations

import functools

import pytest

from doctor.parsers.errors import ParseError
from doctor.parsers.npu_smi_map import ChipMapping, parse_chip_map
from doctor.parsers.text import decode
from tests.support import golden

CATEGORY = "npu-smi-t"
sample = functools.partial(golden.sample, CATEGORY)

WITH_MCU = "blog-800IA2-910B4-x8-info-m-with-mcu"
TAB_INDENTED = "mindcluster-fd-910A-x8-info-m"
HEADER = "NPU ID          Chip ID         Chip Logic ID   Chip Name\n"


PARSER_OF_SAMPLE = {WITH_MCU: parse_chip_map, TAB_INDENTED: parse_chip_map}


@pytest.mark.parametrize("name", sorted(PARSER_OF_SAMPLE))
def test_matches_golden(name: str) -> None:
    assert golden.outcome(parse_chip_map, sample(name)) == golden.golden(CATEGORY, name)


def test_mcu_rows_have_no_logic_id_and_trailing_spaces_are_dropped() -> None:
    mappings = parse_chip_map(sample(WITH_MCU))
    assert len(mappings) == 16
    assert mappings[0] == ChipMapping(0, 0, 0, "Ascend 910B4")
    assert mappings[1] == ChipMapping(0, 1, None, "Mcu")
    assert [m.logic_id for m in mappings if m.name != "Mcu"] == list(range(8))


def test_tab_indented_910a_map() -> None:
    mappings = parse_chip_map(sample(TAB_INDENTED))
    assert mappings == tuple(ChipMapping(npu, 0, npu, "Ascend 910A") for npu in range(8))


def test_large_npu_ids_and_multi_chip_cards() -> None:
    text = HEADER + "32768   0   0   Ascend 310P3\n32768   1   1   Ascend 310P3\n"
    assert [(m.npu_id, m.chip_id, m.logic_id) for m in parse_chip_map(text)] == [(32768, 0, 0), (32768, 1, 1)]


def test_an_extra_column_before_the_name_is_tolerated() -> None:
    text = "NPU ID    Chip ID    Chip Logic ID    Chip Phy-ID    Chip Name\n0    0    0    0    Ascend910\n"
    assert parse_chip_map(text) == (ChipMapping(0, 0, 0, "Ascend910"),)


def test_refusal_is_quoted() -> None:
    with pytest.raises(ParseError, match="npu-smi rejected the command: dcmi module initialize failed"):
        parse_chip_map("dcmi module initialize failed. ret is -8005\n")


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "empty"),
        ("  \n\t\n", "empty"),
        (HEADER, "no chips"),
        ("0   0   0   Ascend 910A\n", "header lacks"),
        ("NPU ID    Chip Name    Chip ID    Chip Logic ID\n0 x 0 0\n", "does not end with Chip Name"),
        (HEADER + "0   0\n", "too few cells"),
        (HEADER + "0   zero   0   Ascend 910A\n", "non-numeric"),
        (HEADER + "0   0   ?   Ascend 910A\n", "non-numeric"),
        (HEADER + "0   0   0   Ascend 910A\n0   0   0   Ascend 910A\n", "twice"),
        (HEADER + "\u0663   0   0   Ascend 910A\n", "non-numeric"),
        (HEADER + "9" * 5000 + "   0   0   Ascend 910A\n", "non-numeric"),
        ("\tNPU ID                         : 0\n", "header lacks"),
    ],
)
def test_rejects(text: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse_chip_map(text)


def test_binary_through_decode_is_rejected() -> None:
    golden.assert_rejects_binary(parse_chip_map, b"\x00\x01\x02\x03", b"\x89PNG\r\n\x1a\n\xff\xd8\xff")


def test_non_utf8_in_a_name_is_kept_replaced() -> None:
    mappings = parse_chip_map(decode(HEADER.encode() + b"0   0   0   Ascend \xff910\n"))
    assert mappings[0].name == "Ascend \ufffd910"


@pytest.mark.parametrize("cut", [10, 150, 160, 400, 1000, 2099])
def test_truncated_map_is_a_prefix_or_rejected(cut: int) -> None:
    golden.assert_prefix_or_rejected(parse_chip_map, sample(WITH_MCU), cut, lambda maps: [(m.npu_id, m.chip_id) for m in maps])
