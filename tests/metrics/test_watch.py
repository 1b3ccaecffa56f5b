"""`watch`: runs one at a time, keeps the cache and metrics whole, survives a failing run, stops on SIGTERM."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

from tests.metrics.support import EXAMPLES, REPO


def start_watch(snapshot, cache, *extra):
    return subprocess.Popen([sys.executable, "-m", "doctor", "watch", "--snapshot", str(snapshot),
                             "--cache", str(cache), *extra], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})


def wait_for(predicate, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_once_writes_the_cache_as_check_json_and_the_metrics(cli, tmp_path):
    snapshot = str(EXAMPLES / "alarm-chip")
    ran = cli("watch", "--snapshot", snapshot, "--cache", str(tmp_path / "r.json"),
              "--metrics-file", str(tmp_path / "m.prom"), "--once")
    assert ran.code == 1 and ran.out == ""
    assert json.loads((tmp_path / "r.json").read_text()) == json.loads(cli("check", "--snapshot", snapshot,
                                                                           "--json").out)
    assert "ascend_doctor_check_status" in (tmp_path / "m.prom").read_text()
    assert sorted(os.listdir(tmp_path)) == [".r.json.lock", "m.prom", "r.json"]


def test_the_loop_survives_failing_runs_keeps_the_last_cache_and_stops_on_sigterm(tmp_path):
    snapshot = tmp_path / "snap"
    shutil.copytree(EXAMPLES / "alarm-chip", snapshot)
    cache = tmp_path / "r.json"
    watch = start_watch(snapshot, cache, "--interval", "0.2")
    try:
        assert wait_for(cache.exists)
        good = cache.read_text()
        shutil.rmtree(snapshot)                      # every later run fails
        time.sleep(1.0)
        assert watch.poll() is None                  # still looping
        assert cache.read_text() == good             # the last good report stays
        watch.send_signal(signal.SIGTERM)
        out, err = watch.communicate(timeout=5)
    finally:
        watch.kill()
    assert watch.returncode == 0
    assert "run 1: not ready" in err and re.search(r"run \d+ failed: .*snap is not a directory", err)
    assert err.rstrip().endswith("stopped (SIGTERM)")
    assert "Traceback" not in err


def test_a_second_watch_on_the_same_cache_is_refused(tmp_path):
    cache = tmp_path / "r.json"
    first = start_watch(EXAMPLES / "alarm-chip", cache, "--interval", "60")
    try:
        assert wait_for(cache.exists)
        second = start_watch(EXAMPLES / "alarm-chip", cache, "--once")
        out, err = second.communicate(timeout=30)
        assert second.returncode == 2 and "another ascend-doctor watch" in err
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=5)


def test_a_cache_path_that_is_a_directory_is_a_usage_error(cli, tmp_path):
    (tmp_path / "r.json").mkdir()
    ran = cli("watch", "--snapshot", str(EXAMPLES / "alarm-chip"), "--cache", str(tmp_path / "r.json"), "--once")
    assert ran.code == 2 and "is a directory" in ran.err and "Traceback" not in ran.err


def test_an_unwritable_cache_is_a_failed_run_not_a_traceback(cli, tmp_path):
    readonly = tmp_path / "ro"
    readonly.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(readonly)], check=True)
    try:
        lock = readonly / ".r.json.lock"
        lock.touch()
        subprocess.run(["mount", "-o", "remount,ro", str(readonly)], check=True)
        ran = cli("watch", "--snapshot", str(EXAMPLES / "alarm-chip"), "--cache", str(readonly / "r.json"), "--once")
    finally:
        subprocess.run(["umount", str(readonly)], check=True)
    # the lock beside the cache is the first thing refused: one line, no traceback
    assert ran.code == 2 and str(readonly) in ran.err and "Traceback" not in ran.err
    assert len(ran.err.strip().splitlines()) == 1
