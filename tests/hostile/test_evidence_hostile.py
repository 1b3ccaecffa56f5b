"""What a fleet host answers (read by `check --evidence`, and by fleet check from SSH) and the key file
of `smoke --api-key-file` are untrusted input too."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.hostile.harness import assert_sane, doctor

SECRET = "sk-canary0123456789abcdefghijkl"


def document(items: list) -> str:
    return json.dumps({"schema": "ascend-doctor-evidence/1", "meta": {}, "items": items})


def item(key: str, output: str, **more) -> dict:
    return {"key": key, "kind": "command", "status": "ok", "output": output, **more}


@pytest.mark.parametrize("make, code, says", [
    (lambda p: os.mkfifo(p), 2, "FIFO"),
    (lambda p: p.symlink_to("/dev/zero"), 2, "character device"),
    (lambda p: p.write_text("{not json"), 2, "did not answer with the collector's JSON"),
    (lambda p: p.write_text("[" * 100_000), 2, "did not answer with the collector's JSON"),
    (lambda p: p.write_text('{"schema": "other/1", "items": []}'), 2, "something other than the collector"),
    (lambda p: p.write_text(document([{"key": 3, "status": "ok"}])), 2, "item 0"),
    (lambda p: p.write_text(document([item("npu-smi info", "x", argv=[1])])), 2, "damaged argv"),
    (lambda p: p.write_bytes(b" " * (17 * 1024 * 1024)), 2, "has more than 16 MiB"),
], ids=["fifo", "dev-zero", "garbage", "nested", "schema", "key", "argv", "huge"])
def test_a_hostile_answer_is_a_usage_error(tmp_path, make, code, says):
    path = tmp_path / "evidence.json"
    make(path)
    ran = doctor("check", "--evidence", str(path), timeout=30)
    assert_sane(ran, code, seconds=15)
    assert says in ran.err


def test_an_output_past_its_limit_is_undecided_not_loaded(tmp_path):
    path = tmp_path / "evidence.json"
    path.write_text(document([item("npu-smi info", "| NPU |\n" * (5 * 1024 * 1024 // 8))]))
    ran = doctor("check", "--evidence", str(path), "--json", timeout=30)
    assert_sane(ran, 1, seconds=15)          # the sparse answer fails other checks; a FAIL outranks an ERROR
    dev003 = next(f for f in json.loads(ran.out)["findings"] if f["code"] == "DEV003")
    assert dev003["status"] == "ERROR" and "larger than 4 MiB" in dev003["summary"]


def test_secrets_and_escapes_in_an_answer_are_neither_printed_nor_obeyed(tmp_path):
    path = tmp_path / "evidence.json"
    path.write_text(document([item("npu-smi info", f"\x1b]0;t\x07\x1b[2J token={SECRET}\n"),
                              item("env", json.dumps({"VLLM_EXTRA": SECRET}), kind="json")]))
    ran = doctor("check", "--evidence", str(path), "--verbose", timeout=30)
    assert_sane(ran, 1, seconds=15, forbidden=(SECRET,))
    assert "\\x1b" in ran.out


@pytest.mark.parametrize("make, says", [
    (lambda p: os.mkfifo(p), "FIFO"),
    (lambda p: p.write_text(""), "is empty"),
    (lambda p: p.write_text(f"VLLM_API_KEY={SECRET} trailing\n"), "holds whitespace"),
    (lambda p: p.write_bytes(b"k" * 10_000), "has more than 4 KiB"),
], ids=["fifo", "empty", "whitespace", "huge"])
def test_a_bad_api_key_file_is_a_usage_error_that_shows_no_key(tmp_path, make, says):
    path = tmp_path / "key"
    make(path)
    ran = doctor("smoke", "--url", "http://127.0.0.1:9", "--model", "m", "--api-key-file", str(path), "--wait", "1",
                 timeout=30)
    assert_sane(ran, 2, seconds=10, forbidden=(SECRET,))
    assert says in ran.err


def test_a_missing_api_key_file_is_named(tmp_path):
    ran = doctor("smoke", "--url", "http://127.0.0.1:9", "--model", "m", "--api-key-file",
                 str(Path(tmp_path) / "nope"), timeout=30)
    assert_sane(ran, 2, seconds=10)
    assert "cannot read" in ran.err and "No such file" in ran.err
