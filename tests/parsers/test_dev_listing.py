from __future__ import annotations

import functools

import pytest

from doctor.parsers.dev_listing import (
    DevEntry,
    PciDevice,
    davinci_ids,
    missing_paths,
    parse_ls_l,
    parse_ls_names,
    parse_lspci,
)
from doctor.parsers.errors import ParseError
from doctor.parsers.text import decode
from tests.support import golden

CATEGORY = "dev-listing"
sample = functools.partial(golden.sample, CATEGORY)

CHMOD_777 = "apulis-notes-910-devmm_svm-hisi_hdc-chmod777"
LL_WITH_PROMPTS = "arthurchiao-910B1-ll-hisi_hdc-devmm_svm"
PLAIN_LS = "arthurchiao-910B1-ls-dev-davinci"
LSPCI_D802 = "blog-800IA2-lspci-grep-d802"
LSPCI_7_OF_8 = "mindcluster-fd-910A-lspci-7of8-after"
LSPCI_8 = "mindcluster-fd-910A-lspci-8-before"


PARSER_OF_SAMPLE = {
    CHMOD_777: parse_ls_l,
    LL_WITH_PROMPTS: parse_ls_l,
    PLAIN_LS: parse_ls_names,
    LSPCI_D802: parse_lspci,
    LSPCI_7_OF_8: parse_lspci,
    LSPCI_8: parse_lspci,
}


def test_every_sample_has_a_parser() -> None:
    assert sorted(PARSER_OF_SAMPLE) == golden.sample_names(CATEGORY)


@pytest.mark.parametrize("name", sorted(PARSER_OF_SAMPLE))
def test_matches_golden(name: str) -> None:
    assert golden.outcome(PARSER_OF_SAMPLE[name], sample(name)) == golden.golden(CATEGORY, name)


# --- ls -l ------------------------------------------------------------------------


def test_world_writable_nodes_behind_path_headings() -> None:
    entries = parse_ls_l(sample(CHMOD_777))
    assert [entry.name for entry in entries] == ["/dev/devmm_svm", "/dev/hisi_hdc"]
    assert entries[1] == DevEntry("/dev/hisi_hdc", "c", "rwxrwxrwx", 511, 0, "HwHiAiUser", "HwHiAiUser")
    assert all(entry.world_writable and entry.permission_bits == 0o777 for entry in entries)


def test_prompt_lines_and_a_missing_date_column() -> None:
    entries = parse_ls_l(sample(LL_WITH_PROMPTS))
    assert [(entry.name, entry.major, entry.minor) for entry in entries] == [
        ("/dev/hisi_hdc", 237, 0),
        ("/dev/devmm_svm", 238, 0),
    ]
    assert entries[0].mode == "rw-rw----"
    assert entries[0].permission_bits == 0o660
    assert not entries[0].world_writable


def test_other_file_types_symlinks_and_selinux_dots() -> None:
    text = (
        "total 0\n"
        "drwxr-xr-x  2 root root      4096 Jan  1  2024 vdavinci\n"
        "lrwxrwxrwx. 1 root root         7 Jan  1 00:00 davinci -> davinci0\n"
        "crw-rw----+ 1 root HwHiAiUser 236, 17 Jan  1 00:00 davinci17\n"
        "-rw-r--r--  1 root root       120 Jan  1 00:00 notes\n"
        "srwsr-sr-T  1 root root         0 Jan  1 00:00 sock\n"
    )
    entries = parse_ls_l(text)
    assert [entry.type_char for entry in entries] == ["d", "l", "c", "-", "s"]
    assert entries[0].major is None and entries[0].minor is None
    assert (entries[1].name, entries[1].link_target) == ("davinci", "davinci0")
    assert (entries[2].major, entries[2].minor, entries[2].group) == (236, 17, "HwHiAiUser")
    assert entries[4].permission_bits == 0o754


def test_missing_devices_give_an_empty_listing() -> None:
    text = "ls: cannot access '/dev/davinci*': No such file or directory\n"
    assert missing_paths(text) == ("/dev/davinci*",)
    assert parse_ls_l(text) == ()


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "no 'ls -l' line"),
        ("  \n\t\n", "no 'ls -l' line"),
        ("/dev/hisi_hdc\n", "no 'ls -l' line"),
        ("unknown key: value\n", "no 'ls -l' line"),
        ("crw-rw---- 1 HwHiAiUser HwHiAiUser\n", "incomplete"),
        ("crw-rw---- x HwHiAiUser HwHiAiUser 237, 0 /dev/hisi_hdc\n", "incomplete"),
        ("crw-rw---- 1 HwHiAiUser HwHiAiUser " + "9" * 5000 + ", 0 /dev/x\n", "incomplete"),
    ],
)
def test_ls_l_rejects(text: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse_ls_l(text)


# --- plain ls ------------------------------------------------------------------------


def test_plain_ls_names_and_davinci_ids() -> None:
    names = parse_ls_names(sample(PLAIN_LS))
    assert names[-1] == "/dev/davinci_manager"
    assert davinci_ids(names) == tuple(range(8))


def test_davinci_ids_sorted_and_without_managers() -> None:
    assert davinci_ids(["davinci10", "/dev/davinci2", "/dev/davinci_manager", "/dev/vdavinci", "davinci"]) == (2, 10)


@pytest.mark.parametrize("text", ["", " \n ", "\ufffd\ufffd", "/dev/davinci0 'quoted name'"])
def test_plain_ls_rejects(text: str) -> None:
    with pytest.raises(ParseError):
        parse_ls_names(text)


# --- lspci ------------------------------------------------------------------------------


def test_lspci_counts() -> None:
    assert len(parse_lspci(sample(LSPCI_D802))) == 8
    assert len(parse_lspci(sample(LSPCI_8))) == 8
    assert len(parse_lspci(sample(LSPCI_7_OF_8))) == 7


def test_lspci_fields_and_the_card_that_dropped_off_the_bus() -> None:
    before = {device.address for device in parse_lspci(sample(LSPCI_8))}
    after = {device.address for device in parse_lspci(sample(LSPCI_7_OF_8))}
    assert before - after == {"61:00.0"}
    first = parse_lspci(sample(LSPCI_D802))[0]
    assert first == PciDevice(
        "01:00.0", "Processing accelerators", "Huawei Technologies Co., Ltd. Device d802", "20"
    )
    assert first.device_id == "d802"


def test_lspci_numeric_form_with_domain() -> None:
    text = "0000:c1:00.0 Processing accelerators [1200]: Huawei Technologies Co., Ltd. Device [19e5:D803] (rev 21)\n"
    (device,) = parse_lspci(text)
    assert (device.address, device.device_class, device.revision, device.device_id) == (
        "0000:c1:00.0", "Processing accelerators", "21", "d803")


def test_lspci_row_without_revision_or_device_id() -> None:
    (device,) = parse_lspci("00:02.0 VGA compatible controller: Some Vendor Graphics\n")
    assert device.revision is None and device.device_id is None


def test_empty_lspci_means_nothing_matched() -> None:
    assert parse_lspci("") == ()
    assert parse_lspci(" \n") == ()


@pytest.mark.parametrize(
    "text",
    [
        "Processing accelerators: Huawei\n",
        "3d:00.0 Processing accelerators\n",
        "zz:00.0 Processing accelerators: Huawei\n",
        "unknown key: value\n",
        "\x1b[31m@@@@\n",
    ],
)
def test_lspci_rejects(text: str) -> None:
    with pytest.raises(ParseError, match="not an lspci row"):
        parse_lspci(text)


# --- bad input through decode ------------------------------------------------------------


@pytest.mark.parametrize("parser", [parse_ls_l, parse_ls_names, parse_lspci])
def test_binary_through_decode_is_rejected(parser) -> None:
    golden.assert_rejects_binary(parser, b"\x7fELF\x02\x01\x01\x00", b"\x89PNG\r\n\x1a\n\xff\xd8\xff")


def test_non_utf8_owner_is_kept_replaced() -> None:
    (entry,) = parse_ls_l(decode(b"crw-rw---- 1 Hw\xffUser root 237, 0 Jan 1 00:00 /dev/hisi_hdc\n"))
    assert entry.owner == "Hw\ufffdUser"


@pytest.mark.parametrize("cut", [10, 84, 300, 600])
def test_truncated_lspci_is_rejected_or_a_prefix(cut: int) -> None:
    golden.assert_prefix_or_rejected(parse_lspci, sample(LSPCI_8), cut, lambda devices: [d.address for d in devices])
