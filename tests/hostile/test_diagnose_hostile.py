"""`ascend-doctor diagnose` on binary input, huge pastes, GBK logs, escape sequences and cut tables:
the right exit code, a clear message, no traceback, bounded time and memory."""

from __future__ import annotations

import json

from tests.hostile.harness import assert_sane, doctor
from tests.support.check_table import fixture

QUICK_S = 15
TABLE = fixture("npu-smi-info/blog-800IA2-910B4-x8-25.0.rc1.1.txt")


def test_binary_is_refused_with_what_it_is(tmp_path):
    archive = tmp_path / "logs.tar.gz"
    archive.write_bytes(b"\x1f\x8b\x08\x00" + bytes(range(256)) * 64)
    ran = doctor("diagnose", str(archive))
    assert_sane(ran, 2, seconds=QUICK_S)
    assert "gzip archive, not text" in ran.err


def test_a_100_mb_paste_is_refused_at_the_limit_with_what_to_do():
    ran = doctor("diagnose", "-", stdin=b"INFO a serving log line of no interest\n" * (100 * 1024 * 1024 // 39),
                 timeout=120)
    assert_sane(ran, 2, seconds=60)
    assert "more than 16 MiB" in ran.err and "grep" in ran.err


def test_a_gbk_log_with_escape_sequences_and_crlf(tmp_path):
    log = tmp_path / "plog.log"
    log.write_bytes(("\x1b[31m[ERROR] 启动失败\x1b[0m\r\n\x1b]0;title\x07EJ0001: Failed to initialize the HCCP "
                     "process. Reason: 上一个进程仍在运行\r\n").encode("gbk"))
    ran = doctor("diagnose", "--json", str(log))
    assert_sane(ran, 1, seconds=QUICK_S)
    doc = json.loads(ran.out)
    assert doc["inputs"][0]["encoding"] == "gbk" and doc["findings"][0]["code"] == "SIG007"
    assert "\x1b" not in ran.out


def test_a_cut_table_and_garbage_do_not_raise():
    cut = "\n".join(TABLE.splitlines()[:8]) + "\n| 0     910B4  | OK | 9" + "|" * 5000 + "\n+" + "-" * 100000
    ran = doctor("diagnose", "-", stdin=cut.encode())
    assert_sane(ran, ran.code, seconds=QUICK_S)
    assert ran.code in (0, 3)


def test_a_long_line_without_newlines_and_a_runaway_docker_run():
    paste = ("docker run " + "--device /dev/davinci0 \\\n" * 20000 + "img\n" + "x" * 3_000_000).encode()
    ran = doctor("diagnose", "-", stdin=paste)
    assert_sane(ran, ran.code, seconds=QUICK_S)
