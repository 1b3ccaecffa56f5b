"""The child process: its output in the log, ended with its children at the deadline or on Ctrl-C."""

import os
import sys
import time

import pytest

from doctor.accuracy import runner

# lm-eval's stand-in: it starts a worker of its own, says both pids, and sleeps.
SLEEPER = ("import os, subprocess, sys, time\n"
           "worker = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
           "print('started', os.getpid(), worker.pid, flush=True)\n"
           "time.sleep(600)")


def _pids(log) -> list[int]:
    deadline = time.monotonic() + 10
    while "started" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    return [int(word) for word in log.read_text().split()[1:3]]


def _alive(pid: int) -> bool:
    """Running, or stopped: not gone and not a zombie waiting to be reaped."""
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _all_gone(pids: list[int], within: float = 5.0) -> bool:
    """SIGKILL is sent at once but acted on when the process is next scheduled: a busy machine lags."""
    deadline = time.monotonic() + within
    while any(_alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_the_output_goes_to_the_log_and_the_status_comes_back(tmp_path):
    log = tmp_path / "lm-eval.log"
    outcome = runner.run([sys.executable, "-c", "print('hello'); raise SystemExit(4)"], dict(os.environ), str(log), 30)
    assert (outcome.returncode, outcome.timed_out, outcome.interrupted) == (4, False, False)
    assert log.read_text() == "hello\n"


def test_the_deadline_ends_the_child_and_its_own_children(tmp_path):
    log = tmp_path / "lm-eval.log"
    started = time.monotonic()
    outcome = runner.run([sys.executable, "-c", SLEEPER], dict(os.environ), str(log), 3)
    assert outcome.timed_out and outcome.returncode is None and time.monotonic() - started < 15
    pids = _pids(log)
    assert len(pids) == 2 and _all_gone(pids)


def test_ctrl_c_while_waiting_ends_the_child(tmp_path):
    log = tmp_path / "log"
    calls = []

    def clock():        # Ctrl-C arrives once the child is under way, as a user would press it
        calls.append(1)
        if len(calls) == 30:
            raise KeyboardInterrupt
        return time.monotonic()

    outcome = runner.run([sys.executable, "-c", SLEEPER], dict(os.environ), str(log), 60, clock=clock)
    assert outcome.interrupted and outcome.returncode is None
    pids = _pids(log)
    assert len(pids) == 2 and _all_gone(pids)


def test_a_python_that_cannot_start(tmp_path):
    outcome = runner.run(["/nonexistent/python"], {}, str(tmp_path / "log"), 5)
    assert outcome.start_error.startswith("cannot start /nonexistent/python")


@pytest.mark.parametrize("text, tail", [
    ("a\nRequesting API:  0%|\rRequesting API: 50%|\rRequesting API: 100%|\nb\n", ["a", "Requesting API: 100%|", "b"]),
    ("", []),
])
def test_the_tail_shows_what_a_progress_bar_showed_last(tmp_path, text, tail):
    log = tmp_path / "log"
    log.write_text(text)
    assert runner.log_tail(str(log)) == tail
