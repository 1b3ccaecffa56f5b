from __future__ import annotations

import functools
import json

import pytest

from doctor.parsers.errors import ParseError
from doctor.parsers.text import decode
from doctor.parsers.version_files import (
    cann_version_from_cfg,
    parse_ranges,
    parse_version_cfg,
    parse_version_file,
    version_of,
)
from tests.support import golden

CATEGORY = "version-files"
sample = functools.partial(golden.sample, CATEGORY)

DRIVER_23 = "mindcluster-fd-driver-version.info-23.0.7"
DRIVER_24 = "mindcluster-doc-driver-version.info-24.1.rc1"
FIRMWARE = "mindcluster-fd-firmware-version.info-7.1.0.11.220"
INSTALL_INFO = "blog-etc-ascend_install.info-driver-firmware"
NNAE = "mindcluster-fd-ascend_nnae_install.info-8.0.RC3"
ATB = "perfdoc-nnal-atb-version.info-8.2.RC1"
CFG_TWO_TOOLKITS = "vllm-ascend-629-toolkit-version.cfg-8.1.RC1"
CFG_WITH_COMMENT = "mindie-img-toolkit-version.cfg-8.0.T63"


def summary(text: str) -> dict[str, object]:
    """What a check reads from one file: fields, own version, ranges, and version.cfg entries."""
    fields = parse_version_file(text)
    result: dict[str, object] = {
        "fields": fields,
        "version": version_of(fields),
        "ranges": {key: parse_ranges(value) for key, value in fields.items() if key.startswith("compatible_version")},
    }
    if all(value.startswith("[") for value in fields.values()):
        cfg = parse_version_cfg(text)
        result["cfg"] = cfg
        result["cann_version"] = cann_version_from_cfg(cfg)
    return json.loads(json.dumps(result))


PARSER_OF_SAMPLE = {name: summary for name in golden.sample_names(CATEGORY)}


@pytest.mark.parametrize("name", sorted(PARSER_OF_SAMPLE))
def test_matches_golden(name: str) -> None:
    assert golden.outcome(summary, sample(name)) == golden.golden(CATEGORY, name)


# --- parse_version_file / version_of ---------------------------------------------


@pytest.mark.parametrize(
    "name, version",
    [
        (DRIVER_23, "23.0.7"),
        (DRIVER_24, "24.1.rc1"),
        ("mindie-img-driver-version.info-24.1.rc2.2", "24.1.rc2.2"),
        (FIRMWARE, "7.1.0.11.220"),
        (NNAE, "8.0.RC3"),
        ("mindcluster-fd-ascend_toolkit_install.info-7.0.T10", "7.0.T10"),
        ("perfdoc-ascend_toolkit_install.info-8.2.RC1", "8.2.RC1"),
        ("vllm-ascend-1401-ascend_toolkit_install.info-8.1.RC1", "8.1.RC1"),
        (ATB, "8.2.RC1"),
        (INSTALL_INFO, None),
    ],
)
def test_version_of_each_package(name: str, version: str | None) -> None:
    assert version_of(parse_version_file(sample(name))) == version


def test_keys_are_kept_as_written() -> None:
    fields = parse_version_file(sample(DRIVER_23))
    assert fields["Version"] == "23.0.7"
    assert fields["Innerversion"] == "V100R001C15SPC012B220"
    assert fields["package_version"] == "23.0.7"


def test_indented_colon_file_keeps_keys_with_spaces() -> None:
    fields = parse_version_file(sample(ATB))
    assert fields["Ascend-cann-atb Version"] == "8.2.RC1.B150"
    assert fields["commit id"] == "f10dc20391d8af04c3f8024aca0e0dfa94d2a0a5"
    assert fields["branch"] == "br_release_cann_8.2.RC1_20251226"


def test_install_info_has_paths_not_versions() -> None:
    fields = parse_version_file(sample(INSTALL_INFO))
    assert fields["Driver_Install_Path_Param"] == "/usr/local/Ascend"
    assert fields["UserName"] == "HwHiAiUser"


def test_first_separator_wins() -> None:
    assert parse_version_file("path=/opt/a:b\nurl : http://x=y\n") == {"path": "/opt/a:b", "url": "http://x=y"}


def test_comments_blank_and_unknown_lines() -> None:
    text = "# version: 1.0\n\nsome banner line\nnew_key=1\n=orphan value\n"
    assert parse_version_file(text) == {"new_key": "1"}


def test_a_repeated_key_takes_the_later_value() -> None:
    assert parse_version_file("version=1\nversion=2\n") == {"version": "2"}


def test_version_of_skips_empty_values() -> None:
    assert version_of({"Version": "", "package_version": "23.0.7"}) == "23.0.7"
    assert version_of({"Ascend-cann-atb": ""}) is None
    assert version_of({}) is None


# --- parse_ranges -----------------------------------------------------------------


@pytest.mark.parametrize(
    "value, ranges",
    [
        ("[7.0.0,7.2.99]", (("7.0.0", "7.2.99"),)),
        ("[V100R001C30],[V100R001C13]", (("V100R001C30",), ("V100R001C13",))),
        ("[V100R001C13,V100R001C19],[V100R001C30]", (("V100R001C13", "V100R001C19"), ("V100R001C30",))),
        ("[23.0.rc3,23.0.rc3.],[23.0.0,23.0.0.]", (("23.0.rc3", "23.0.rc3."), ("23.0.0", "23.0.0."))),
        (" [a] , [b] ", (("a",), ("b",))),
        ("[a][b]", (("a",), ("b",))),
        ("", ()),
    ],
)
def test_ranges(value: str, ranges: tuple) -> None:
    assert parse_ranges(value) == ranges


@pytest.mark.parametrize("value", ["[", "7.0.0", "[a],[b]x", "[a,]", "[,]", "[]", "[[a]]"])
def test_ranges_reject(value: str) -> None:
    with pytest.raises(ParseError):
        parse_ranges(value)


def test_driver_firmware_compatibility_range() -> None:
    fields = parse_version_file(sample(DRIVER_23))
    assert parse_ranges(fields["compatible_version_fw"]) == (("7.0.0", "7.1.99"),)


# --- version.cfg ------------------------------------------------------------------


def test_cfg_with_two_installed_toolkits() -> None:
    cfg = parse_version_cfg(sample(CFG_TWO_TOOLKITS))
    assert cfg["toolkit_installed_version"] == (("7.7.T9.0.B057", "8.1.T6"), ("7.7.T20.0.B210", "8.1.RC1"))
    assert len(cfg["opp_kernel_installed_version"]) == 3
    assert cann_version_from_cfg(cfg) == "8.1.RC1"


def test_cfg_with_comment_header() -> None:
    cfg = parse_version_cfg(sample(CFG_WITH_COMMENT))
    assert "# version" not in " ".join(cfg)
    assert cann_version_from_cfg(cfg) == "8.0.T63"
    assert len(cfg) == 24


def test_cfg_without_toolkit_line() -> None:
    assert cann_version_from_cfg(parse_version_cfg("runtime_running_version=[7.7.T20.0.B210:8.1.RC1]\n")) is None
    assert cann_version_from_cfg(parse_version_cfg("toolkit_running_version=\n")) is None


@pytest.mark.parametrize(
    "text",
    [
        "toolkit_running_version",
        "toolkit_running_version=8.1.RC1",
        "toolkit_running_version=[8.1.RC1]",
        "toolkit_running_version=[:8.1.RC1]",
        "toolkit_running_version=[7.7:]",
        "=[7.7:8.1]",
        "# only a comment",
    ],
)
def test_cfg_rejects(text: str) -> None:
    with pytest.raises(ParseError):
        parse_version_cfg(text)


# --- bad input ----------------------------------------------------------------


@pytest.mark.parametrize("parser", [parse_version_file, parse_version_cfg])
@pytest.mark.parametrize("text", ["", "   \n\t \n", "# comment only\n", "\x1b[2J~~~~\n@@@@"])
def test_nothing_to_read_is_rejected(parser, text: str) -> None:
    with pytest.raises(ParseError):
        parser(text)


@pytest.mark.parametrize("parser", [parse_version_file, parse_version_cfg])
def test_binary_through_decode_is_rejected(parser) -> None:
    golden.assert_rejects_binary(parser, b"\x7fELF\x02\x01\x01\x00", b"\x89PNG\r\n\x1a\n\xff\xd8\xff")


def test_non_utf8_value_is_kept_replaced() -> None:
    assert parse_version_file(decode(b"Version=24.1.\xffrc1\n")) == {"Version": "24.1.\ufffdrc1"}


@pytest.mark.parametrize("cut", [3, 8, 20, 100, 250])
def test_truncated_driver_version_info(cut: int) -> None:
    golden.assert_prefix_or_rejected(parse_version_file, sample(DRIVER_23), cut, list)
