from __future__ import annotations

import functools

import pytest

from doctor.parsers.errors import ParseError
from doctor.parsers.npu_smi_fields import (
    Card,
    CardList,
    Health,
    parse_board,
    parse_card_list,
    parse_fields,
    parse_health,
    parse_sections,
    refusal_message,
)
from doctor.parsers.text import decode
from tests.support import golden

CATEGORY = "npu-smi-t"
sample = functools.partial(golden.sample, CATEGORY)


# sample -> the parser its command calls for (topo/template-info have none here)
PARSER_OF_SAMPLE = {
    "arthurchiao-910B1-common-i1-with-mcu": parse_sections,
    "arthurchiao-910B1-info-help-23.0.rc2": parse_board,
    "arthurchiao-910B1-usages-i0": parse_sections,
    "blog-800IA2-910B4-x8-info-l": parse_card_list,
    "mindcluster-doc-common-i0": parse_sections,
    "mindcluster-doc-ecc-i1": parse_sections,
    "mindcluster-fd-910A-board-i0": parse_board,
    "mindcluster-fd-910A-board-i0-c0": parse_board,
    "mindcluster-fd-910A-board-i0-invalid-card-id": parse_board,
    "mindcluster-fd-910A-health-i0-c0-alarm": parse_health,
    "mindcluster-fd-910A-health-i0-c0-ok": parse_health,
    "mindcluster-fd-910A-usages-i0": parse_sections,
    "soc-doc-A2-910B4-board-i0-c0-excerpt": parse_board,
    "soc-doc-A3-board-i0-c0-excerpt": parse_board,
}


@pytest.mark.parametrize("name", sorted(PARSER_OF_SAMPLE))
def test_matches_golden(name: str) -> None:
    assert golden.outcome(PARSER_OF_SAMPLE[name], sample(name)) == golden.golden(CATEGORY, name)


def test_every_fixture_has_its_meta() -> None:
    for name in golden.sample_names(CATEGORY):
        assert golden.meta_path(CATEGORY, name).exists()


# --- parse_fields -------------------------------------------------------------


def test_fields_keep_order_and_strip_padding() -> None:
    fields = parse_fields(sample("mindcluster-doc-common-i0"))
    assert fields[0] == ("NPU ID", "0")
    assert fields[-1] == ("NPU Real-time Power(W)", "71.7")
    assert len(fields) == 11


def test_tab_indented_fields_and_colons_inside_values() -> None:
    fields = dict(parse_fields(sample("mindcluster-fd-910A-board-i0-c0")))
    assert fields["PCIe Bus Info"] == "0000:61:00.0"
    assert fields["VDie ID"] == "42C711D4 20B03704 4A10C8D4 14CC040A D2102003"
    assert fields["Chip Name"] == "910A"


def test_continuation_lines_join_previous_value_across_blank_lines() -> None:
    fields = dict(parse_fields(sample("mindcluster-fd-910A-health-i0-c0-alarm")))
    assert fields["Error Information"].splitlines() == [
        "ascend_monitor adda heart beat lost error",
        "node type=process-manager, sensor type=General Software, "
        "event state=The process start failed or exit abnormally",
        "node type=adda, sensor type=Heartbeat Sensor, event state=Heartbeat Lost.",
    ]


def test_continuation_without_a_previous_key_is_rejected() -> None:
    with pytest.raises(ParseError, match="continuation"):
        parse_fields("        : orphan value\n")


def test_empty_value_is_kept() -> None:
    assert parse_fields("\tError Information              :\n") == [("Error Information", "")]


@pytest.mark.parametrize(
    "name", ["arthurchiao-910B1-info-t-topo", "hami-310P3-template-info-i7", "mindcluster-fd-910A-x8-info-m"]
)
def test_other_npu_smi_layouts_are_not_key_value(name: str) -> None:
    with pytest.raises(ParseError, match="not 'Key : value'"):
        parse_fields(sample(name))


# --- refusals -----------------------------------------------------------------


@pytest.mark.parametrize("parser", [parse_fields, parse_board, parse_health, parse_card_list, parse_sections])
def test_invalid_card_id_is_reported_with_npu_smis_words(parser) -> None:
    with pytest.raises(ParseError) as caught:
        parser(sample("mindcluster-fd-910A-board-i0-invalid-card-id"))
    assert caught.value.reason == "npu-smi rejected the command: Invalid card id."
    assert "Error parameter of -i" in caught.value.excerpt


def test_usage_text_is_a_refusal() -> None:
    with pytest.raises(ParseError, match=r"rejected the command: Usage: npu-smi info"):
        parse_fields(sample("arthurchiao-910B1-info-help-23.0.rc2"))


@pytest.mark.parametrize(
    "text, message",
    [
        ("dcmi module initialize failed. ret is -8005\n", "dcmi module initialize failed. ret is -8005"),
        ("Error: the device is busy\n", "Error: the device is busy"),
        ("This device does not support querying ecc.\n", "This device does not support querying ecc."),
    ],
)
def test_failure_messages_are_refusals(text: str, message: str) -> None:
    assert refusal_message(text) == message
    with pytest.raises(ParseError, match="npu-smi rejected the command"):
        parse_board(text)


def test_words_like_error_inside_fields_are_not_refusals() -> None:
    assert refusal_message(sample("mindcluster-fd-910A-health-i0-c0-alarm")) is None
    assert refusal_message(sample("mindcluster-doc-ecc-i1")) is None


# --- parse_sections / parse_board -------------------------------------------------


def test_sections_separate_the_mcu_block() -> None:
    card, chip, mcu = parse_sections(sample("arthurchiao-910B1-common-i1-with-mcu"))
    assert card == {"NPU ID": "1", "Chip Count": "1"}
    assert chip["Temperature(C)"] == "46"
    assert mcu == {"Chip Name": "mcu", "Temperature(C)": "38"}


def test_board_keeps_the_first_value_of_a_repeated_key() -> None:
    fields = parse_board(sample("arthurchiao-910B1-common-i1-with-mcu"))
    assert fields["Temperature(C)"] == "46"
    assert fields["Chip Name"] == "mcu"


def test_board_card_level_fields() -> None:
    board = parse_board(sample("mindcluster-fd-910A-board-i0"))
    assert board["Software Version"] == "23.0.5"
    assert board["PCI Device ID"] == "0xD801"
    assert board["Chip Count"] == "1"


def test_board_a3_has_npu_name_and_no_chip_type() -> None:
    board = parse_board(sample("soc-doc-A3-board-i0-c0-excerpt"))
    assert (board["Chip Name"], board["NPU Name"]) == ("Ascend910", "9392")
    assert "Chip Type" not in board


def test_board_accepts_unknown_keys() -> None:
    assert parse_board("\tNPU ID : 0\n\tBrand New Field(%) : 12\n")["Brand New Field(%)"] == "12"


# --- parse_card_list --------------------------------------------------------------


def test_card_list_of_eight_910b4() -> None:
    cards = parse_card_list(sample("blog-800IA2-910B4-x8-info-l"))
    assert cards.total_count == 8
    assert cards.cards == tuple(Card(npu_id, 1) for npu_id in range(8))


def test_card_list_ignores_extra_per_card_keys() -> None:
    text = "Total Count : 1\n\nNPU ID : 8\nProduct Name : IT21PDDA01\nChip Count : 2\n"
    assert parse_card_list(text) == CardList(1, (Card(8, 2),))


def test_card_list_with_no_cards() -> None:
    assert parse_card_list("\tTotal Count : 0\n") == CardList(0, ())


def test_card_list_keeps_a_total_that_disagrees_with_the_cards() -> None:
    assert parse_card_list("Total Count : 2\n\nNPU ID : 0\nChip Count : 1\n") == CardList(2, (Card(0, 1),))


@pytest.mark.parametrize(
    "text, reason",
    [
        ("NPU ID : 0\n", "has no Chip Count"),
        ("NPU ID : 0\nNPU ID : 1\nChip Count : 1\n", "has no Chip Count"),
        ("Chip Count : 1\n", "without an NPU ID"),
        ("NPU ID : x\nChip Count : 1\n", "not a number"),
        ("NPU ID : 0\nChip Count : 1\nNPU ID : 0\nChip Count : 1\n", "listed twice"),
        ("Total Count : 1\nTotal Count : 1\n", "appears twice"),
        ("Product Name : IT21PDDA01\n", "no Total Count and no NPU ID"),
        ("NPU ID : 0\nChip Count : ²\n", "not a number"),
        ("NPU ID : " + "9" * 5000 + "\nChip Count : 1\n", "not a number"),
    ],
)
def test_card_list_rejects(text: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse_card_list(text)


# --- parse_health -----------------------------------------------------------------


def test_healthy_chip() -> None:
    assert parse_health(sample("mindcluster-fd-910A-health-i0-c0-ok")) == Health("OK", (), None)


def test_alarm_with_three_codes() -> None:
    health = parse_health(sample("mindcluster-fd-910A-health-i0-c0-alarm"))
    assert health.status == "Alarm"
    assert health.error_codes == ("A4025021", "8C03A000", "8C084E00")
    assert health.error_information is not None
    assert health.error_information.startswith("ascend_monitor adda heart beat lost error\nnode type=")


def test_health_without_codes_lines() -> None:
    assert parse_health("\tHealth Status : Warning\n") == Health("Warning", (), None)


@pytest.mark.parametrize(
    "text",
    [
        "\tError Code : NA\n",
        "\tHealth Status :\n",
        "\tHealth Status : OK\n\tHealth Status : Alarm\n",
    ],
)
def test_health_rejects(text: str) -> None:
    with pytest.raises(ParseError):
        parse_health(text)


# --- bad input ----------------------------------------------------------------

PARSERS = [parse_fields, parse_sections, parse_board, parse_card_list, parse_health]


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize("text", ["", " \n\t\n  ", "\x1b[31m###\x07\n~~~~", "\ufffd\ufffd\ufffd\n"])
def test_empty_whitespace_and_garbage_are_rejected(parser, text: str) -> None:
    with pytest.raises(ParseError):
        parser(text)


@pytest.mark.parametrize("parser", PARSERS)
def test_binary_through_decode_is_rejected(parser) -> None:
    golden.assert_rejects_binary(parser, b"\x7fELF\x02\x01\x01\x00\x00\x00", b"\x89PNG\r\n\x1a\n\xff\xd8\xff")


def test_non_utf8_value_is_kept_replaced() -> None:
    health = parse_health(decode(b"\tHealth Status : \xff\xfeOK\n\tError Code : NA\n"))
    assert health.status == "\ufffd\ufffdOK"


@pytest.mark.parametrize("garbage", ["\x1b[0m@@@@", "Slot ID 0", "~~~~~~~~"])
def test_garbled_line_in_the_middle_is_rejected(garbage: str) -> None:
    lines = sample("mindcluster-fd-910A-board-i0").splitlines()
    lines.insert(5, garbage)
    with pytest.raises(ParseError, match="not 'Key : value'"):
        parse_board("\n".join(lines))


@pytest.mark.parametrize("cut", [1, 40, 100, 200, 333])
def test_truncated_board_is_a_prefix_or_rejected(cut: int) -> None:
    golden.assert_prefix_or_rejected(parse_fields, sample("mindcluster-fd-910A-board-i0"), cut, lambda fields: [key for key, _ in fields])
