"""`npd-status` run for real, as node-problem-detector runs it: a process, its exit code, its stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from doctor.commands.npd_status import CONDITIONS, MESSAGE_BYTES
from tests.metrics.support import EXAMPLES, REPO

NPD_OK, NPD_NON_OK, NPD_UNKNOWN = 0, 1, 2      # node-problem-detector's plugin contract


def npd_status(cache, condition="chip-unhealthy", *extra):
    done = subprocess.run([sys.executable, "-m", "doctor", "npd-status", "--cache", str(cache),
                           "--condition", condition, *extra], capture_output=True, cwd=REPO,
                          env={"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO)}, timeout=30)
    message = done.stdout.decode("utf-8")
    assert len(done.stdout) <= MESSAGE_BYTES + 1 and message.count("\n") == 1, message   # one line, within 80
    assert "Traceback" not in done.stderr.decode(), done.stderr
    return done.returncode, message.strip()


def cached(tmp_path, example, *extra):
    """The cache `watch` keeps, made by `check --json` on a bundled example."""
    done = subprocess.run([sys.executable, "-m", "doctor", "check", "--snapshot", str(EXAMPLES / example),
                           "--json", *extra], capture_output=True, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    cache = tmp_path / f"{example}.json"
    cache.write_bytes(done.stdout)
    return cache


def report_with(tmp_path, findings):
    cache = tmp_path / "report.json"
    cache.write_text(json.dumps({"schema": "ascend-doctor-report/1", "findings": findings}))
    return cache


def test_a_healthy_cache_is_ok_for_every_condition(tmp_path):
    cache = cached(tmp_path, "atlas-800i-a2-healthy", "--tp", "2")
    for condition in CONDITIONS:
        code, message = npd_status(cache, condition)
        assert code == NPD_OK, (condition, message)


def test_an_unhealthy_chip_is_non_ok_with_its_summary(tmp_path):
    cache = cached(tmp_path, "alarm-chip")
    assert json.loads(cache.read_text())["exit_code"] == 1
    code, message = npd_status(cache, "chip-unhealthy")
    assert code == NPD_NON_OK and message.startswith("DEV004 FAIL: ")
    assert npd_status(cache, "driver-mismatch")[0] == NPD_OK


def test_an_ignored_failure_is_ok(tmp_path):
    cache = cached(tmp_path, "alarm-chip", "--ignore", "DEV004")
    assert npd_status(cache, "chip-unhealthy")[0] == NPD_OK


@pytest.mark.parametrize("condition, code", [("devices-missing", "DEV002"), ("driver-mismatch", "DRV002"),
                                             ("shm-too-small", "ENV006"), ("any-failure", "NET003")])
def test_each_condition_answers_for_its_checks(tmp_path, condition, code):
    cache = report_with(tmp_path, [{"code": code, "status": "FAIL", "summary": "x"},
                                   {"code": "DEV004", "status": "PASS", "summary": "ok"}])
    assert npd_status(cache, condition) == (NPD_NON_OK, f"{code} FAIL: x")


def test_an_undecided_check_is_unknown(tmp_path):
    cache = report_with(tmp_path, [{"code": "DEV004", "status": "ERROR", "summary": "npu-smi timed out"}])
    assert npd_status(cache) == (NPD_UNKNOWN, "DEV004 ERROR: npu-smi timed out")


def test_a_long_hostile_summary_is_cut_to_one_line_of_80_bytes(tmp_path):
    summary = "chip\n\x1b[31m" + "\u00e9" * 200
    cache = report_with(tmp_path, [{"code": "DEV004", "status": "FAIL", "summary": summary}])
    code, message = npd_status(cache)
    assert code == NPD_NON_OK and "\x1b" not in message and len(message.encode()) <= MESSAGE_BYTES


def test_a_missing_cache_is_unknown(tmp_path):
    code, message = npd_status(tmp_path / "absent.json")
    assert code == NPD_UNKNOWN and "no cached report" in message


def test_a_stale_cache_is_unknown(tmp_path):
    cache = cached(tmp_path, "atlas-800i-a2-healthy")
    an_hour_ago = time.time() - 3600
    os.utime(cache, (an_hour_ago, an_hour_ago))
    code, message = npd_status(cache, "chip-unhealthy", "--max-age", "900")
    assert code == NPD_UNKNOWN and "old" in message
    assert npd_status(cache, "chip-unhealthy", "--max-age", "7200")[0] == NPD_OK


@pytest.mark.parametrize("content", [b"{\"schema\": \"ascend-doctor-report/1\", \"findings\": [", b"\xff\xfe",
                                     b"[]", b"{\"schema\": \"other/1\"}", b"",
                                     b"{\"schema\": \"ascend-doctor-report/1\", \"findings\": 3}",
                                     b"{\"schema\": \"ascend-doctor-report/1\", \"findings\": []}"])
def test_a_garbled_cache_is_unknown(tmp_path, content):
    cache = tmp_path / "garbled.json"
    cache.write_bytes(content)
    assert npd_status(cache)[0] == NPD_UNKNOWN


def test_a_cache_that_is_a_directory_or_a_fifo_is_unknown(tmp_path):
    (tmp_path / "dir.json").mkdir()
    os.mkfifo(tmp_path / "fifo.json")
    assert npd_status(tmp_path / "dir.json")[0] == NPD_UNKNOWN
    assert npd_status(tmp_path / "fifo.json")[0] == NPD_UNKNOWN


def test_a_bad_condition_is_a_usage_error_which_npd_reads_as_unknown(tmp_path):
    done = subprocess.run([sys.executable, "-m", "doctor", "npd-status", "--cache", str(tmp_path / "c.json"),
                           "--condition", "nonsense"], capture_output=True, cwd=REPO,
                          env={"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO)})
    assert done.returncode == NPD_UNKNOWN


def test_the_plugin_imports_neither_rich_nor_probes_nor_checks():
    code = ("import sys; from doctor.cli import main; main(['npd-status', '--cache', '/nonexistent', "
            "'--condition', 'chip-unhealthy']); "
            "print(sorted(m for m in sys.modules if m.startswith(('rich', 'doctor.probes', 'doctor.checks', "
            "'doctor.report', 'doctor.metrics'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                          env={"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO)})
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr
