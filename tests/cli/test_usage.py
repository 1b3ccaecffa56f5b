import pytest

from doctor import __version__


def test_version(cli, capsys):
    ran = cli("--version")
    assert ran.code == 0
    assert __version__ in capsys.readouterr().out


def test_no_command_is_a_usage_error(cli):
    assert cli().code == 2


@pytest.mark.parametrize("argv, message", [
    (["check", "--devices", "zero"], "not a device list"),
    (["check", "--devices", "0,0"], "names a device twice"),
    (["check", "--tp", "0"], "whole number from 1 to"),
    (["check", "--timeout", "-1"], "seconds above 0"),
])
def test_bad_arguments_exit_2_with_a_message(cli, capsys, argv, message):
    ran = cli(*argv)
    assert ran.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["check", "--ignore", "NOPE001"], "unknown check(s) NOPE001"),
    (["check", "--tp", "3", "--devices", "0,1"], "needs at least 3 devices"),
    (["check", "--tp", "2", "--devices", "0,1,2"], "does not divide"),
    (["check", "--snapshot", "/nonexistent/snap"], "is not a directory"),
    (["check", "--root", "/nonexistent/root"], "is not a directory"),
    (["explain", "NOPE001"], "no check or diagnose code 'NOPE001'"),
    (["parse", "npu-smi-info", "/nonexistent/file"], "cannot read /nonexistent/file"),
])
def test_user_mistakes_exit_2_without_traceback(cli, argv, message):
    ran = cli(*argv)
    assert ran.code == 2
    assert message in ran.err
    assert "Traceback" not in ran.err


def test_collect_refuses_to_clobber_a_directory(cli, tmp_path):
    (tmp_path / "keep").write_text("x")
    ran = cli("collect", "-o", str(tmp_path), "--root", str(tmp_path))
    assert ran.code == 2 and "not empty" in ran.err
    assert (tmp_path / "keep").read_text() == "x"


def test_list_checks_names_every_code(cli):
    from doctor.checks.catalog import CATALOG

    ran = cli("list-checks")
    assert ran.code == 0
    for check in CATALOG:
        assert check.code in ran.out and check.name in ran.out


def test_codes_are_unique_and_well_formed():
    import re

    from doctor.checks.catalog import CATALOG, RETIRED_CODES

    codes = [c.code for c in CATALOG]
    assert len(codes) == len(set(codes))
    assert not set(codes) & set(RETIRED_CODES)
    for check in CATALOG:
        assert re.fullmatch(r"(DEV|DRV|CANN|ENV|NET|SVC|FLEET)\d{3}", check.code)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", check.name)


def test_a_closed_pipe_is_not_a_traceback():
    import subprocess
    import sys

    # `true` exits at once, so the doctor writes into a pipe nobody reads.
    done = subprocess.run(f"(sleep 0.3; {sys.executable} -m doctor list-checks; echo rc=$? >&2) | true",
                          shell=True, capture_output=True, text=True)
    assert "Traceback" not in done.stderr and "rc=0" in done.stderr
