"""`ascend-doctor parse KIND` on input meant to hang it, exhaust it or reach the terminal.

npu-smi-info, the kind a user pastes most, has its own cases; every kind then gets garbled text,
one line with a long run of blanks in it and a real sample repeated to many lines.

Each case runs the real CLI as a child process (tests/hostile/harness.py) and holds it to the
promises: the right exit code, no traceback, bounded time and memory, no raw escape sequence.
"""

from __future__ import annotations

import json
import os

import pytest

from doctor.commands.parse_kinds import KINDS
from tests.hostile.harness import assert_sane, doctor
from tests.parsers import synthetic
from tests.support import golden

PARSE = ("parse", "npu-smi-info")
QUICK_S = 10


def parsed(ran) -> dict:
    return json.loads(ran.out)


def test_dev_zero_as_file_is_refused_unread():
    ran = doctor(*PARSE, "/dev/zero", timeout=30)
    assert_sane(ran, 2, seconds=QUICK_S)
    assert "/dev/zero is a character device, not a regular file" in ran.err


def test_a_fifo_as_file_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "npu-smi.txt"
    os.mkfifo(fifo)
    ran = doctor(*PARSE, str(fifo), timeout=30)
    assert_sane(ran, 2, seconds=QUICK_S)
    assert "is a FIFO (named pipe), not a regular file" in ran.err


def test_a_directory_is_refused(tmp_path):
    ran = doctor(*PARSE, str(tmp_path), timeout=30)
    assert_sane(ran, 2, seconds=QUICK_S)
    assert "is a directory, not a regular file" in ran.err


def test_a_missing_file_is_a_usage_error(tmp_path):
    ran = doctor(*PARSE, str(tmp_path / "absent.txt"), timeout=30)
    assert_sane(ran, 2, seconds=QUICK_S)
    assert "cannot read" in ran.err and "No such file or directory" in ran.err


def test_a_file_name_with_escapes_is_shown_escaped(tmp_path):
    ran = doctor(*PARSE, str(tmp_path / "\x1b]0;owned\x07.txt"), timeout=30)
    assert_sane(ran, 2, seconds=QUICK_S)
    assert "\\x1b]0;owned\\x07.txt" in ran.err


def test_dev_zero_on_stdin_stops_at_the_limit():
    with open("/dev/zero", "rb") as zero:
        ran = doctor(*PARSE, "-", stdin=zero.fileno(), timeout=30)
    assert_sane(ran, 2, seconds=QUICK_S)
    assert "standard input has more than 8 MiB, so it is not an npu-smi info output" in ran.err


def test_a_100_mb_npu_smi_shaped_file_is_refused_at_the_limit(tmp_path):
    block = synthetic.npu_smi_info(8_000).encode()   # about 1 MB of real-shaped rows
    path = tmp_path / "huge.txt"
    with open(path, "wb") as out:
        out.writelines([block] * (100 * 2**20 // len(block) + 1))
    ran = doctor(*PARSE, str(path), timeout=30)
    assert_sane(ran, 2, seconds=QUICK_S)
    assert "has more than 8 MiB, so it is not an npu-smi info output" in ran.err


def test_more_lines_than_the_limit_is_refused():
    ran = doctor(*PARSE, "-", stdin=b"+---+\n" * 150_000, timeout=30)
    assert_sane(ran, 2, seconds=QUICK_S)
    assert "has more than 100,000 lines" in ran.err


def test_50k_lines_of_real_output_parse_whole_within_100_mb():
    text = synthetic.npu_smi_info(40_000)   # and a separator after every 4 rows
    assert text.count("\n") > 50_000
    ran = doctor(*PARSE, "-", stdin=text.encode(), timeout=60)
    assert_sane(ran, 0, seconds=30, memory_mb=100)
    doc = parsed(ran)
    assert len(doc["chips"]) == 16 and len(doc["processes"]) == 40_000


def test_one_long_line_of_error_words_is_read_in_linear_time():
    ran = doctor(*PARSE, "-", stdin=b"dcmi failed error " * 400_000, timeout=30)   # 7 MB on one line
    assert_sane(ran, 3, seconds=QUICK_S)
    assert parsed(ran)["chips"] == []


def test_binary_junk_is_undecided():
    junk = bytes(range(256)) * 4096
    ran = doctor(*PARSE, "-", stdin=junk, timeout=30)
    assert_sane(ran, 3, seconds=QUICK_S)
    assert "input is binary (contains NUL bytes)" in parsed(ran)["error"]["text"]


def _with_process_name(text: str, name: str) -> str:
    """The first process row with `name` in its (empty) Process name cell."""
    row = next(line for line in text.splitlines() if line.startswith("| 4       0 "))
    cells = row.split("|")
    cells[3] = f" {name} ".ljust(len(cells[3]))
    return text.replace(row, "|".join(cells), 1)


def test_escape_sequences_inside_the_table_never_reach_the_terminal():
    hostile = "\x1b]0;owned\x07\x1b[2J\x9b31m"
    text = _with_process_name(synthetic.npu_smi_info(10), hostile)
    ran = doctor(*PARSE, "-", stdin=text.encode(), timeout=30)
    assert_sane(ran, 0, seconds=QUICK_S)
    assert parsed(ran)["processes"][0]["name"] == hostile   # kept, as JSON escapes


def test_an_npu_smi_error_line_with_escapes_is_quoted_escaped():
    line = "dcmi module initialize failed. \x1b[2J\x1b]0;owned\x07 ret is -8005\n"
    ran = doctor(*PARSE, "-", stdin=line.encode(), timeout=30)
    assert_sane(ran, 1, seconds=QUICK_S)
    assert parsed(ran)["error"]["code"] == -8005 and "\\x1b[2J" in ran.err


def test_a_table_cut_off_mid_row_keeps_the_rows_before_it():
    text = synthetic.npu_smi_info(10)
    cut = text[:text.index("| 1     Ascend910") + 20]
    ran = doctor(*PARSE, "-", stdin=cut.encode(), timeout=30)
    assert_sane(ran, 0, seconds=QUICK_S)
    assert [chip["phy_id"] for chip in parsed(ran)["chips"]] == [0, 1]


def test_windows_line_endings_read_as_unix_ones():
    text = synthetic.npu_smi_info(10)
    unix = doctor(*PARSE, "-", stdin=text.encode(), timeout=30)
    windows = doctor(*PARSE, "-", stdin=text.replace("\n", "\r\n").encode(), timeout=30)
    assert_sane(windows, 0, seconds=QUICK_S)
    assert parsed(windows) == parsed(unix) and len(parsed(windows)["processes"]) == 10


@pytest.mark.parametrize("name", ["推理服务", "python3"])
def test_gbk_bytes_in_a_process_name_do_not_break_the_table(name):
    text = _with_process_name(synthetic.npu_smi_info(10), name)
    ran = doctor(*PARSE, "-", stdin=text.encode("gbk"), timeout=30)
    assert_sane(ran, 0, seconds=QUICK_S)
    doc = parsed(ran)
    assert len(doc["chips"]) == 16 and [p["pid"] for p in doc["processes"]][:2] == [1_000_000, 1_000_001]


def test_gbk_text_that_is_no_table_is_undecided():
    ran = doctor(*PARSE, "-", stdin="错误：找不到设备，请检查驱动\n".encode("gbk") * 1000, timeout=30)
    assert_sane(ran, 3, seconds=QUICK_S)


# ---------------------------------------------------------------- every kind


def _sample(kind: str) -> str:
    return golden.kind_sample_path(kind).read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_refuses_garbled_text_in_one_line(kind):
    garbled = "错误：找不到设备 \x1b]0;owned\x07\x1b[2J ####\n".encode("gbk") * 100
    ran = doctor("parse", kind, "-", stdin=garbled, timeout=30)
    assert_sane(ran, 3, seconds=QUICK_S)
    assert len(ran.err.splitlines()) == 1 and ran.err.startswith("ascend-doctor: not readable as ")
    assert parsed(ran)["error"]["text"]


def _with_blank_run(text: str, blanks: int) -> str:
    """`text` with a run of blanks in the middle of its longest line."""
    lines = text.splitlines()
    longest = max(range(len(lines)), key=lambda n: len(lines[n]))
    line = lines[longest]
    lines[longest] = line[:len(line) // 2] + " " * blanks + line[len(line) // 2:]
    return "\n".join(lines) + "\n"


def _repeated(text: str, lines: int, size: int) -> str:
    """`text` repeated to about `lines` lines, and no more than `size` characters."""
    body = text if text.endswith("\n") else text + "\n"
    return (body * (lines // body.count("\n") + 1))[:size]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_reads_a_long_run_of_blanks_in_linear_time(kind):
    ran = doctor("parse", kind, "-", stdin=_with_blank_run(_sample(kind), 6_000_000).encode(), timeout=30)
    assert ran.code in (0, 3)   # read or refused: either way bounded, in one piece, without a traceback
    assert_sane(ran, ran.code, seconds=QUICK_S)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_reads_95k_lines_within_the_bounds(kind):
    ran = doctor("parse", kind, "-", stdin=_repeated(_sample(kind), 95_000, 6 * 2**20).encode(), timeout=60)
    assert ran.code in (0, 3)   # a repeated sample may repeat what may be said once
    assert_sane(ran, ran.code, seconds=30)
