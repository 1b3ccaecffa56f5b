import os
import time

from doctor.evidence import MISSING, NOT_A_FILE, OK, PERMISSION, TIMEOUT
from doctor.probes.command import run_command


def script(path, body):
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return path


def test_output_and_exit_code_are_kept(tmp_path):
    script(tmp_path / "tool", "echo out; echo err >&2; exit 3")
    obs = run_command("tool", ["tool"], 5, [str(tmp_path)])
    assert (obs.status, obs.output, obs.stderr, obs.exit_code) == (OK, "out\n", "err\n", 3)


def test_missing_binary_is_an_observation_not_an_exception(tmp_path):
    obs = run_command("npu-smi info", ["npu-smi", "info"], 5, [str(tmp_path)])
    assert obs.status == MISSING
    assert "npu-smi not found" in obs.detail


def test_directory_in_place_of_binary_is_reported(tmp_path):
    (tmp_path / "npu-smi").mkdir()
    obs = run_command("npu-smi info", ["npu-smi", "info"], 5, [str(tmp_path)])
    assert obs.status == NOT_A_FILE
    assert "is a directory" in obs.detail


def test_a_later_real_binary_wins_over_a_directory(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "tool").mkdir()
    (tmp_path / "b").mkdir()
    script(tmp_path / "b" / "tool", "echo fine")
    obs = run_command("tool", ["tool"], 5, [str(tmp_path / "a"), str(tmp_path / "b")])
    assert obs.status == OK and obs.output == "fine\n"


def test_not_executable_is_a_permission_finding(tmp_path):
    (tmp_path / "tool").write_text("#!/bin/sh\necho hi\n")
    obs = run_command("tool", ["tool"], 5, [str(tmp_path)])
    assert obs.status == PERMISSION


def test_hung_probe_is_killed_at_its_timeout_with_its_children(tmp_path):
    marker = tmp_path / "child.pid"
    script(tmp_path / "hang", f"echo partial; sleep 600 & echo $! > {marker}; wait")
    started = time.monotonic()
    obs = run_command("hang", ["hang"], 0.5, [str(tmp_path)])
    assert time.monotonic() - started < 5
    assert obs.status == TIMEOUT and obs.exit_code is None
    assert obs.output == "partial\n"
    child = int(marker.read_text())
    time.sleep(0.1)
    assert not _alive(child), "the probe's child process outlived the timeout"


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as handle:   # a zombie is dead for our purpose
        return handle.read().split()[2] != "Z"


def test_binary_output_is_kept_for_the_parser_to_refuse(tmp_path):
    script(tmp_path / "bin", "printf 'a\\000b\\377'")
    obs = run_command("bin", ["bin"], 5, [str(tmp_path)])
    assert obs.status == OK and "\x00" in obs.output and "\ufffd" in obs.output
