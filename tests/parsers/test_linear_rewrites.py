"""The searches rewritten to run in linear time give what the backtracking regexes they replace gave.

Each old regex is kept here as the reference; inputs are drawn from the pieces that decide a match.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from doctor.parsers import collect_env, dev_listing, hccn, npu_smi_info
from doctor.parsers.errors import ParseError

OLD_PAIR = re.compile(r"(\S+?)\s*/\s*(\S+)")
OLD_ERROR_LINE = re.compile(r"(?i)(fail|error).*\bret(?:\s+is\s+|\s*=\s*)(-?[0-9]+)")
OLD_CHANGE = re.compile(r"^(.+?)\s+LINK\s+(UP|DOWN)$", re.ASCII)
OLD_FIELD = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9 _.()/+#,-]{0,80}?)\s*:(?:\s+(?P<value>.*?))?\s*$")
OLD_PACKAGE = re.compile(r"^\[(?P<tool>pip\d*|conda)\]\s+(?P<rest>.*?)\s*$")
OLD_LSPCI_ROW = re.compile(
    r"^(?P<address>(?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7])\s+"
    r"(?P<class>[^:]+?)(?:\s+\[[0-9a-fA-F]{4}\])?:\s+(?P<description>.+?)"
    r"(?:\s+\(rev\s+(?P<rev>[0-9a-fA-F]+)\))?$",
    re.ASCII,
)
OLD_TLS_LINE = re.compile(
    r"dev_id:\s*(\d{1,9}),\s*tls switch\[([01])\].*?tls preconfigured\[([01])\].*?"
    r"tls alarm time threshold\[(\d{1,9})\]\s*days",
    re.ASCII,
)


def pieces(*options: str, most: int = 12):
    return st.lists(st.sampled_from(options), max_size=most).map("".join)


@settings(max_examples=400, deadline=None)
@given(pieces("1", "65536", "a", "/", " ", "\t", "\u00a0", "\x1c", "-"))
def test_used_total_split_as_the_regex(value):
    match = OLD_PAIR.fullmatch(value.strip())
    assert npu_smi_info._split_pair(value) == (match.groups() if match else None)


@settings(max_examples=400, deadline=None)
@given(pieces("fail", "ERROR", "Failed", "ret", "RET", " is ", "is", "=", " = ", "-", "8005", "5", " ", "x", "_",
              "re", "\t"))
def test_error_code_found_as_the_regex(line):
    match = OLD_ERROR_LINE.search(line)
    assert npu_smi_info._error_code_digits(line) == (match.group(2) if match else None)


@settings(max_examples=400, deadline=None)
@given(pieces("Tue Aug  1 14:44:40 2022", "LINK", " ", "\t", "UP", "DOWN", "x", "\x1c", "\u00a0"))
def test_link_change_split_as_the_regex(raw):
    line = raw.strip()   # parse_link_stat strips every line before matching
    old, new = OLD_CHANGE.match(line), hccn._CHANGE.match(line)
    assert (old and old.groups()) == (new and new.groups())


@settings(max_examples=600, deadline=None)
@given(pieces("dev_id:", "dev_id: ", "0", "12", ",", " ", "\n", "x", "tls switch[1]", "tls switch[0]",
              "tls preconfigured[1]", "tls preconfigured[0]", "tls alarm time threshold[", "60", "]", " days",
              "days", "tls alarm time threshold[7]days", most=16))
def test_tls_line_read_as_the_regex(text):
    match = OLD_TLS_LINE.search(text)
    expected = None if match is None else hccn.TlsStatus(
        int(match.group(1)), match.group(2) == "1", match.group(3) == "1", int(match.group(4)))
    try:
        found = hccn.parse_tls_switch(text)
    except ParseError:
        found = None
    assert found == expected


def test_an_error_code_too_long_for_int_is_no_code():
    info = npu_smi_info.parse("dcmi module initialize failed. ret is -" + "9" * 5000 + "\n")
    assert info.error is not None and info.error.code is None and info.chips == ()


# collect_env and lspci read stripped lines, so the inputs are stripped as they would be.
BLANKS = (" ", "\t", "\u00a0", "\x1c", "\u3000", "\x0b")


@settings(max_examples=600, deadline=None)
@given(pieces("PyTorch version", "Key", "a", "9", "(", ")", "_", "-", ":", " ", *BLANKS, "x" * 40, "\u00e9", most=16))
def test_key_and_value_split_as_the_regex(raw):
    line = raw.strip()
    match = OLD_FIELD.match(line)
    expected = (match.group("key").strip(), (match.group("value") or "").strip()) if match else None
    assert collect_env._key_and_value(line) == expected


@settings(max_examples=400, deadline=None)
@given(pieces("[pip3]", "[pip]", "[conda]", "[pip3", "torch", "==", "2.5.1", " ", *BLANKS, "x"))
def test_package_line_read_as_the_regex(raw):
    line = raw.strip()
    old, new = OLD_PACKAGE.match(line), collect_env._PACKAGE.match(line)
    assert (old and old.group("tool", "rest")) == (new and new.group("tool", "rest"))


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from(["", "01:00.0 ", "0000:c1:00.0  "]),
       pieces("01:00.0", "0000:", "3d", ":", ": ", ".", "0", " ", *BLANKS, "Processing", "a", " [1200]", "[12", "]",
              " (rev 20)", "(rev", "(", ")", "rev", "20", "Device d801", "\u00e9", most=12))
def test_lspci_row_read_as_the_regex(address, rest):
    line = (address + rest).strip()
    match = OLD_LSPCI_ROW.match(line)
    expected = None if match is None else dev_listing.PciDevice(*match.group("address", "class", "description", "rev"))
    try:
        found = dev_listing._pci_device(line, line)
    except ParseError:
        found = None
    assert found == expected
