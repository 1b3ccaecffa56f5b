"""A sick or booby-trapped host: hung and chatty probes, special files, a --python that lies, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import psutil
import pytest

from tests.hostile.harness import REPO, assert_sane, doctor
from tests.support import hosts, simhost

ESCAPED_SLEEP = "977"     # a sleep this long is how the tests find a probe's escaped child


def small_host() -> simhost.HostSpec:
    return replace(hosts.atlas_800i_a2_healthy(), devices=(0, 1), hccn={})


@pytest.fixture
def host(tmp_path):
    """(root, env) of a healthy two-chip host; tests change it before running the doctor."""
    spec = small_host()
    root = simhost.build(tmp_path / "root", spec)
    return root, {k: v for k, v in simhost.probe_env(root, spec).items() if k != "LD_PRELOAD"}


def tool(root: Path, relative: str, body: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        path.unlink()
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return path


def npu_smi(root: Path, body: str) -> None:
    tool(root, "usr/local/bin/npu-smi", body)


def check_json(root: Path, env: dict, *extra: str, timeout: float = 30):
    ran = doctor("check", "--root", str(root), "--json", *extra, env=env, timeout=timeout)
    findings = {f["code"]: f for f in json.loads(ran.out)["findings"]} if ran.out.startswith("{") else {}
    return ran, findings


def survivors() -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if ESCAPED_SLEEP in " ".join(proc.info["cmdline"] or ()):
            found.append(proc)
    return found


@pytest.fixture
def no_survivors():
    yield
    left = survivors()
    for proc in left:
        proc.kill()
    assert not left, f"probe children outlived the doctor: {[p.pid for p in left]}"


def test_endless_npu_smi_output_is_cut_and_undecided(host):
    root, env = host
    npu_smi(root, "exec /usr/bin/yes '| 0     910B4               | OK            |'")
    ran, findings = check_json(root, env, "--timeout", "20")
    assert_sane(ran, 3, seconds=10)
    assert findings["DEV003"]["status"] == "ERROR"
    assert "printed more than 1024 KiB" in findings["DEV003"]["summary"]


def test_a_hung_npu_smi_and_its_escaped_child_both_end(host, no_survivors):
    root, env = host
    npu_smi(root, f"/usr/bin/setsid /bin/sleep {ESCAPED_SLEEP} & exec /bin/sleep {ESCAPED_SLEEP}")
    ran, findings = check_json(root, env, "--timeout", "1")
    assert_sane(ran, 3, seconds=6)
    assert findings["DEV003"]["status"] == "ERROR"
    time.sleep(0.2)


def test_an_escaped_child_holding_the_pipe_open_cannot_stretch_the_deadline(host, no_survivors):
    root, env = host
    npu_smi(root, f"/usr/bin/setsid /bin/sleep {ESCAPED_SLEEP} & echo started")
    ran, findings = check_json(root, env, "--timeout", "1")
    assert_sane(ran, 3, seconds=6)
    assert findings["DEV003"]["status"] == "ERROR"


def test_a_fifo_at_os_release_is_refused_not_waited_on(host):
    root, env = host
    (root / "etc/os-release").unlink(missing_ok=True)
    os.mkfifo(root / "etc/os-release")
    ran = doctor("collect", "--root", str(root), "-o", str(root.parent / "snap"), env=env, timeout=20)
    assert_sane(ran, 0, seconds=10)
    manifest = json.loads((root.parent / "snap/manifest.json").read_text())
    item = next(i for i in manifest["items"] if i["key"] == "file:/etc/os-release")
    assert item["status"] == "refused" and "FIFO" in item["detail"]


def test_a_version_file_that_is_a_link_to_dev_zero_is_refused(host):
    root, env = host
    target = root / "usr/local/Ascend/driver/version.info"
    target.unlink()
    target.symlink_to("/dev/zero")
    ran, findings = check_json(root, env)
    assert_sane(ran, 3, seconds=10)
    assert findings["DRV001"]["status"] == "ERROR"
    assert "character device" in findings["DRV001"]["summary"]


def test_a_huge_version_file_is_cut(host):
    root, env = host
    (root / "usr/local/Ascend/driver/version.info").write_bytes(b"Version=24.1.rc2\n" + b"#" * (200 << 20))
    ran, findings = check_json(root, env)
    assert_sane(ran, 3, seconds=15)
    assert "larger than 1 MiB" in findings["DRV001"]["summary"]


@pytest.mark.parametrize("python, why", [
    ("/nonexistent/python3", "does not exist"),
    ("/bin/false", "exited 1"),
    ("garbage", "not its package list"),
    ("hang", "killed after 2 s"),
])
def test_a_python_that_cannot_answer_is_an_error_not_ready(host, python, why, no_survivors):
    root, env = host
    if python == "garbage":
        python = str(tool(root, "opt/py/garbage", "echo '\x1b[31m{not json'"))
    elif python == "hang":
        python = str(tool(root, "opt/py/hang", f"/usr/bin/setsid /bin/sleep {ESCAPED_SLEEP} & "
                                               f"exec /bin/sleep {ESCAPED_SLEEP}"))
    ran, findings = check_json(root, env, "--python", python, "--timeout", "2")
    assert_sane(ran, 3, seconds=10)
    stack = findings["ENV001"]
    assert stack["status"] == "ERROR" and why in stack["summary"], stack
    time.sleep(0.2)


def test_a_real_python_still_lists_its_packages(host):
    root, env = host
    ran, findings = check_json(root, env, "--python", sys.executable)
    assert ran.code in (0, 1) and findings["ENV001"]["status"] != "ERROR"
    assert "python packages:" in findings["ENV001"]["evidence"]


def test_ctrl_c_during_a_hung_probe_ends_within_a_second(host, no_survivors):
    root, env = host
    npu_smi(root, f"/usr/bin/setsid /bin/sleep {ESCAPED_SLEEP} & exec /bin/sleep {ESCAPED_SLEEP}")
    proc = subprocess.Popen([sys.executable, "-m", "doctor", "check", "--root", str(root), "--timeout", "60"],
                            env={**env, "PYTHONPATH": str(REPO)}, cwd=str(REPO), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 10
    while len(survivors()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(survivors()) >= 2, "the hung npu-smi never started"
    interrupted = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    assert time.monotonic() - interrupted < 1.0
    assert proc.returncode == 130
    assert b"Traceback" not in err and b"interrupted" in err


@pytest.mark.parametrize("argv, message", [
    (["--timeout", "nan"], "not a number of seconds"),
    (["--timeout", "inf"], "not a number of seconds"),
    (["--timeout", "-1"], "not a number of seconds"),
    (["--timeout", "1e400"], "not a number of seconds"),
    (["--devices", "0-99999999999"], "a host has devices 0 to at most 255"),
    (["--devices", "0-20000000"], "a host has devices 0 to at most 255"),
    (["--devices", "3-1"], "not a device list"),
    (["--tp", "\u0662"], "not a whole number"),
    (["--devices", "\u0661"], "not a device list"),
    (["--tp", "99999999999999999999999"], "not a whole number"),
    (["--devices", "\x1b[2J0"], "\\x1b[2J0"),
    (["--image", "x", "--ignore", "\x1b]0;t\x07"], "\\x1b]0;t\\x07"),
    (["--root", "/nonexistent/\x1b[31m"], "\\x1b[31m"),
])
def test_bad_arguments_are_usage_errors_at_once(argv, message):
    ran = doctor("check", *argv, timeout=10)
    assert_sane(ran, 2, seconds=3)
    assert message in ran.err


def test_a_reader_that_goes_away_leaves_the_verdict_as_the_exit_code():
    example = str(REPO / "examples" / "atlas-800-a3-busy")
    script = (f"set -o pipefail; {sys.executable} -m doctor check --snapshot {example} --verbose | head -1 "
              f">/dev/null; echo \"exit=$?\"")
    done = subprocess.run(["bash", "-c", script], env={"PYTHONPATH": str(REPO), "COLUMNS": "60", "PATH": "/bin"},
                          cwd=str(REPO), capture_output=True, text=True, timeout=30)
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    assert done.stdout.strip() == "exit=1"


def test_a_closed_stdout_still_gives_the_verdict():
    example = str(REPO / "examples" / "atlas-800-a3-busy")
    done = subprocess.run(["bash", "-c", f"{sys.executable} -m doctor check --snapshot {example} >&-"],
                          env={"PYTHONPATH": str(REPO), "PATH": "/bin"}, cwd=str(REPO), capture_output=True,
                          text=True, timeout=30)
    assert "Traceback" not in done.stderr
    assert done.returncode == 1


def test_junk_columns_do_not_break_the_report():
    ran = doctor("check", "--snapshot", str(REPO / "examples" / "atlas-800i-a2-healthy"), env={"COLUMNS": "wide"})
    assert_sane(ran, 0, seconds=10)
