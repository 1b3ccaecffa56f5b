"""The searches rewritten to run in linear time give what the backtracking regexes they replace gave.

Each old regex is kept here as the reference; inputs are drawn from the pieces that decide a match.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from doctor.parsers import hccn, npu_smi_info
from doctor.parsers.errors import ParseError

OLD_PAIR = re.compile(r"(\S+?)\s*/\s*(\S+)")
OLD_ERROR_LINE = re.compile(r"(?i)(fail|error).*\bret(?:\s+is\s+|\s*=\s*)(-?[0-9]+)")
OLD_CHANGE = re.compile(r"^(.+?)\s+LINK\s+(UP|DOWN)$", re.ASCII)
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
