from __future__ import annotations

import functools
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doctor.parsers.errors import ParseError
from doctor.parsers.npu_smi_info import (
    SCHEMA,
    Chip,
    NpuSmiError,
    NpuSmiInfo,
    Process,
    error_schema,
    parse,
    to_schema,
)
from doctor.parsers.text import decode
from tests.support import golden

CATEGORY = "npu-smi-info"
sample = functools.partial(golden.sample, CATEGORY)
expected = functools.partial(golden.golden, CATEGORY)

SAMPLE_NAMES = golden.sample_names(CATEGORY)

A3 = "vllm-ascend-3689-A3-8x2chip-25.3.rc1-procs"
DUO = "gofixture-300IDuo-310P3-4x2chip-25.5.1-alldash"
ERROR_8005 = "vllm-ascend-2698-error-dcmi-8005-in-container"
A2_910B3 = "vllm-ascend-6271-910B3-x8-25.2.0-python-proc"
A2_910B4 = "blog-800IA2-910B4-x8-25.0.rc1.1"
NPU_32768 = "lmdeploy-4272-310P3-x4-25.2.1-npuid-32768"
OLD_310 = "jsc-notes-atlas300-310x20-20.2.2-npuid2048"
PRO_B = "vllm-ascend-1047-910ProB-x8-24.1.0"
INDENTED = "modelzoo-srcnn-310P3-22.0.0-v22.0.2-indented"
TRAILING_SPACE = "nputop-fixture-910B2C-23.0.2.1"
WARNING = "mindcluster-doc-warning-health-elided-23.0.5"
ELIDED = "arthurchiao-910B1-x8-23.0.rc2-elided"
NARROW = "patrolai-310P3-x2-23.0.rc3-narrow"


# ------------------------------------------------------------------ every sample


def test_all_corpus_samples_are_fixtures():
    assert len(SAMPLE_NAMES) == 21
    for name in SAMPLE_NAMES:
        assert golden.meta_path(CATEGORY, name).is_file()
        assert golden.golden_path(CATEGORY, name).is_file()


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_sample_matches_golden(name):
    assert to_schema(parse(sample(name))) == expected(name)


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_schema_output_is_plain_json(name):
    document = to_schema(parse(sample(name)))
    assert json.loads(json.dumps(document, allow_nan=False)) == document
    assert list(document) == [
        "schema", "npu_smi_version", "driver_version", "error", "chips", "processes"
    ]
    assert document["schema"] == SCHEMA


# ------------------------------------------------------------- targeted layouts


def test_a3_device_index_is_phy_id():
    info = parse(sample(A3))
    assert len(info.chips) == 16
    assert [chip.device_index for chip in info.chips] == list(range(16))
    assert all(chip.device_index == chip.phy_id for chip in info.chips)
    assert [(chip.npu_id, chip.chip_id) for chip in info.chips[:2]] == [(0, 0), (0, 1)]


def test_a3_second_chip_has_no_power_reading():
    chips = parse(sample(A3)).chips
    assert all(chip.power_w is None for chip in chips if chip.chip_id == 1)
    assert chips[0].power_w == 166.6


def test_a3_process_rows():
    # The sample holds ten process rows (2 + 2 + 3 + 3) on NPUs 4..7, all with a blank name.
    processes = parse(sample(A3)).processes
    assert len(processes) == 10
    assert {process.npu_id for process in processes} == {4, 5, 6, 7}
    assert all(process.name is None for process in processes)
    assert processes[4] == Process(npu_id=6, chip_id=0, pid=1756550, name=None, memory_mb=116)
    assert processes[6] == Process(npu_id=6, chip_id=1, pid=1756550, name=None, memory_mb=54252)


def test_300i_duo_device_index_is_device_column():
    chips = parse(sample(DUO)).chips
    assert [(chip.npu_id, chip.chip_id) for chip in chips] == [
        (1, 0), (1, 1), (2, 0), (2, 1), (4, 0), (4, 1), (5, 0), (5, 1)
    ]
    assert [chip.device_index for chip in chips] == list(range(8))
    assert all(chip.device_index == chip.device_id for chip in chips)
    assert all(chip.power_w is None and chip.hbm_total_mb is None for chip in chips)


def test_a2_device_index_is_npu_id():
    chips = parse(sample(A2_910B4)).chips
    assert [chip.device_index for chip in chips] == list(range(8))
    assert all(chip.phy_id is None and chip.device_id is None for chip in chips)


def test_dcmi_error_output():
    info = parse(sample(ERROR_8005))
    assert info.error == NpuSmiError(code=-8005, text="dcmi module initialize failed. ret is -8005")
    assert info.chips == () and info.processes == ()
    assert info.npu_smi_version is None and info.driver_version is None


def test_large_npu_ids_and_cut_paste():
    info = parse(sample(NPU_32768))
    assert [chip.npu_id for chip in info.chips] == [0, 32, 32768, 32800]
    assert [chip.device_index for chip in info.chips] == [0, 1, 2, 3]
    assert info.chips[2].hugepages_used == 8808
    # The paste stops right after the last chip row, without the closing border.
    assert info.truncated


def test_old_310_has_no_hbm_or_hugepages():
    info = parse(sample(OLD_310))
    assert len(info.chips) == 20
    assert {chip.npu_id for chip in info.chips} == {2048, 2049, 2050, 2051, 2052}
    assert all(chip.hbm_used_mb is None and chip.hugepages_total is None for chip in info.chips)
    assert info.chips[-1].device_index == 19
    assert not info.truncated


def test_910prob_fills_both_ddr_and_hbm():
    chip = parse(sample(PRO_B)).chips[0]
    assert (chip.memory_used_mb, chip.memory_total_mb) == (2387, 13553)
    assert (chip.hbm_used_mb, chip.hbm_total_mb) == (18, 32768)


def test_indented_paste_and_differing_versions():
    info = parse(sample(INDENTED))
    assert (info.npu_smi_version, info.driver_version) == ("22.0.0", "22.0.2")
    assert info.chips[0].memory_total_mb == 23054


def test_trailing_space_paste():
    info = parse(sample(TRAILING_SPACE))
    assert [chip.hbm_used_mb for chip in info.chips] == [20701, 20687]
    assert info.processes == (
        Process(npu_id=0, chip_id=0, pid=124528, name="python3.8", memory_mb=17400),
    )


def test_hand_padded_health_and_blanked_names():
    chips = parse(sample(WARNING)).chips
    assert [(chip.npu_id, chip.name, chip.health) for chip in chips] == [
        (0, "xxx", "Warning"),
        (7, "xxx", "OK"),
    ]


def test_elided_rows_are_skipped_not_truncation():
    info = parse(sample(ELIDED))
    assert [chip.npu_id for chip in info.chips] == [0, 1, 7]
    assert not info.truncated


def test_narrow_hand_edited_layout():
    chips = parse(sample(NARROW)).chips
    assert [(chip.npu_id, chip.bus_id, chip.hugepages_used) for chip in chips] == [
        (0, "0000:01:00.0", 996),
        (64, "0000:06:00.0", 0),
    ]


def test_310b_na_bus_id_is_null():
    chip = parse(sample("nputop-fixture-310B4-alarm-23.0.0")).chips[0]
    assert chip.bus_id is None and chip.health == "Alarm" and chip.power_w == 0.0


# ------------------------------------------------------------------- bad input


def test_empty_input():
    with pytest.raises(ParseError):
        parse("")


def test_whitespace_only_input():
    with pytest.raises(ParseError):
        parse("  \n\t\n   \n")


def test_unrelated_text():
    with pytest.raises(ParseError) as caught:
        parse("bash: npu-smi: command not found\n")
    assert "command not found" in caught.value.excerpt


def test_truncated_mid_header():
    text = sample(A2_910B3)
    cut = text.index("Chip  ") + 10
    with pytest.raises(ParseError):
        parse(text[:cut])


def test_truncated_after_header_before_any_chip():
    text = sample(A2_910B3)
    cut = text.index("| 0     910B3")
    with pytest.raises(ParseError):
        parse(text[:cut])


def test_truncated_inside_first_chip():
    text = sample(A2_910B3)
    cut = text.index("0000:C1:00.0")
    with pytest.raises(ParseError):
        parse(text[:cut])


def test_truncated_mid_row_keeps_earlier_chips():
    text = sample(A2_910B3)
    cut = text.index("0000:81:00.0") + 4
    info = parse(text[:cut])
    assert [chip.npu_id for chip in info.chips] == [0, 1]
    assert info.truncated
    assert info.processes == ()


def test_truncated_inside_process_table():
    text = sample(A3)
    cut = text.index("1545073")
    info = parse(text[:cut])
    assert len(info.chips) == 16
    assert [process.pid for process in info.processes] == [1534604, 1539371]
    assert info.truncated


def test_complete_outputs_are_not_truncated():
    for name in (A3, A2_910B3, DUO, OLD_310, TRAILING_SPACE):
        assert not parse(sample(name)).truncated, name


def test_binary_garbage_is_rejected_by_decode():
    with pytest.raises(ParseError) as caught:
        parse(decode(b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x03\x00>\x00"))
    assert isinstance(caught.value.excerpt, str)


def test_non_utf8_bytes_inside_a_table():
    raw = golden.sample_path(CATEGORY, A2_910B3).read_bytes().replace(b"910B3", b"910\xff\xfe", 1)
    info = parse(decode(raw))
    assert info.chips[0].name == "910\ufffd\ufffd"
    assert len(info.chips) == 8


def test_non_utf8_garbage_is_not_npu_smi():
    with pytest.raises(ParseError):
        parse(decode(b"\xff\xfe\xfd\x80\x81 not a table \xc3\x28"))


def test_unknown_extra_column_is_ignored():
    text = sample(A2_910B3)
    widened_header = text.replace("Power(W)    Temp(C)   ", "Power(W)    Volt(V)  Temp(C)")
    # Give every chip's first row a voltage value between power and temperature.
    widened = re.sub(r"(\| [0-9]+ +910B3 +\| OK +\| [0-9.]+)", r"\1  0.85", widened_header)
    assert widened_header != text and widened.count(" 0.85") == 8
    info = parse(widened)
    assert to_schema(info) == expected(A2_910B3)
    assert not info.truncated


def test_unknown_extra_cell_is_ignored():
    lines = sample(INDENTED).split("\n")
    widened = [line.rstrip() + (" Extra |" if "|" in line else "") for line in lines]
    assert "Health" in widened[3] and "310P3" in widened[6]
    widened[3] = widened[3].replace("Extra", "Fan(%)")
    widened[6] = widened[6].replace("Extra", "40   ")
    info = parse("\n".join(widened))
    assert to_schema(info)["chips"] == expected(INDENTED)["chips"]
    assert not info.truncated


def test_garbled_measurement_becomes_null():
    # A reading that cannot be read is null rather than an error: the chip, its id and
    # health still matter to the checks, and one smudged number should not hide them.
    text = sample(A2_910B3).replace("| 94.8        36", "| 9?.8        3#", 1)
    text = text.replace("3407 / 65536", "3407 / 6x536", 1)
    chip = parse(text).chips[0]
    readings = (chip.power_w, chip.temp_c, chip.hbm_used_mb, chip.hbm_total_mb)
    assert readings == (None, None, 3407, None)
    assert chip.health == "OK" and chip.bus_id == "0000:C1:00.0"


def test_garbled_identity_stops_the_table():
    # An unreadable NPU/Device id would silently change which device a finding names,
    # so such a row ends the readable part of the table.
    row = "| 0       2                     |"
    text = sample(DUO).replace(row, row.replace("2", "z"), 1)
    info = parse(text)
    assert [chip.device_id for chip in info.chips] == [0, 1]
    assert info.truncated


def test_crlf_line_endings():
    info = parse(sample(A3).replace("\n", "\r\n"))
    assert to_schema(info) == expected(A3)


def test_double_spaced_paste():
    info = parse(sample(A3).replace("\n", "\n\n"))
    assert to_schema(info) == expected(A3)
    assert not info.truncated


def test_text_after_a_finished_table_ends_the_output():
    info = parse(sample(OLD_310) + "[user@host ~]$ echo done\ndone\n")
    assert to_schema(info) == expected(OLD_310)
    assert not info.truncated


def test_text_right_after_a_chip_row_is_truncation():
    lines = sample(OLD_310).split("\n")
    info = parse("\n".join(lines[:8] + ["[user@host ~]$ "]))
    assert [chip.device_id for chip in info.chips] == [0]
    assert info.truncated


def test_error_line_before_a_table_is_kept_with_the_table():
    text = "dcmi module initialize failed. ret is -8020\n" + sample(A2_910B4)
    info = parse(text)
    assert info.error == NpuSmiError(code=-8020, text="dcmi module initialize failed. ret is -8020")
    assert len(info.chips) == 8


def test_error_schema():
    err = ParseError("input is empty, not npu-smi info output", "")
    assert error_schema(err) == {
        "schema": SCHEMA,
        "npu_smi_version": None,
        "driver_version": None,
        "error": {"code": None, "text": "input is empty, not npu-smi info output"},
        "chips": [],
        "processes": [],
    }


def test_chip_device_index_precedence():
    base = dict(
        npu_id=5, chip_id=1, name="x", health="OK", power_w=None, temp_c=None, bus_id=None,
        aicore_pct=None, memory_used_mb=None, memory_total_mb=None, hbm_used_mb=None,
        hbm_total_mb=None, hugepages_used=None, hugepages_total=None,
    )
    assert Chip(phy_id=11, device_id=3, **base).device_index == 11
    assert Chip(phy_id=None, device_id=3, **base).device_index == 3
    assert Chip(phy_id=None, device_id=None, **base).device_index == 5


# ------------------------------------------------------------------------ fuzzing

SAMPLE_TEXTS = [sample(name) for name in SAMPLE_NAMES]
NASTY_CHARACTERS = "|+-=/ .\n\t0123456789xNA…\x00\u00a0"


def _mutate(data, text: str) -> str:
    for _ in range(data.draw(st.integers(min_value=1, max_value=4), label="mutations")):
        operation = data.draw(st.sampled_from(["truncate", "delete", "duplicate", "substitute"]))
        lines = text.split("\n")
        if operation == "truncate":
            text = text[: data.draw(st.integers(min_value=0, max_value=len(text)))]
        elif operation in ("delete", "duplicate") and lines:
            at = data.draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines[at:at + 1] = [] if operation == "delete" else [lines[at], lines[at]]
            text = "\n".join(lines)
        elif operation == "substitute" and text:
            at = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
            text = text[:at] + data.draw(st.sampled_from(NASTY_CHARACTERS)) + text[at + 1 :]
    return text


def _assert_valid(info: NpuSmiInfo) -> None:
    document = to_schema(info)
    json.dumps(document, allow_nan=False)
    for chip in document["chips"]:
        assert type(chip["npu_id"]) is int and type(chip["chip_id"]) is int
        assert chip["phy_id"] is None or type(chip["phy_id"]) is int
        assert chip["device_id"] is None or type(chip["device_id"]) is int
        assert isinstance(chip["name"], str) and isinstance(chip["health"], str)
    for process in document["processes"]:
        assert all(type(process[key]) is int for key in ("npu_id", "chip_id", "pid"))
    assert isinstance(info.truncated, bool)


def _parse_or_error(text: str) -> None:
    try:
        info = parse(text)
    except ParseError as err:
        assert isinstance(err.excerpt, str) and isinstance(err.reason, str)
        json.dumps(error_schema(err))
    else:
        _assert_valid(info)


@settings(
    max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.data())
def test_fuzz_mutated_samples(data):
    text = data.draw(st.sampled_from(SAMPLE_TEXTS), label="sample")
    _parse_or_error(_mutate(data, text))


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(max_size=400))
def test_fuzz_arbitrary_text(text):
    _parse_or_error(text)
