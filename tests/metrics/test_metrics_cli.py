"""`check --metrics-file` and `fleet check --metrics-file` through the CLI, on the bundled examples."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.metrics.support import EXAMPLES, REPO

BUSY = str(EXAMPLES / "atlas-800-a3-busy")


def check(cli, *extra):
    return cli("check", "--snapshot", BUSY, "--tp", "2", *extra)


def test_stdout_and_exit_code_are_the_same_with_a_metrics_file(cli, tmp_path):
    plain, with_metrics = check(cli), check(cli, "--metrics-file", str(tmp_path / "doctor.prom"))
    assert (with_metrics.code, with_metrics.out) == (plain.code, plain.out) == (1, plain.out)
    as_json = check(cli, "--json", "--metrics-file", str(tmp_path / "doctor.prom"))
    assert json.loads(as_json.out) == json.loads(check(cli, "--json").out)


def test_the_textfile_is_written_whole_with_mode_0644_and_no_temporary_left(cli, tmp_path):
    target = tmp_path / "doctor.prom"
    target.write_text("old\n")
    check(cli, "--metrics-file", str(target))
    assert os.listdir(tmp_path) == ["doctor.prom"]
    assert target.stat().st_mode & 0o777 == 0o644
    names = {f.name for f in text_string_to_metric_families(target.read_text())}
    assert "ascend_doctor_check_status" in names


def test_promtool_accepts_the_textfile(cli, tmp_path):
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool is missing: apt-get install prometheus (.ci/run does)")
    check(cli, "--metrics-file", str(tmp_path / "doctor.prom"))
    done = subprocess.run([promtool, "check", "metrics"], input=(tmp_path / "doctor.prom").read_bytes(),
                          capture_output=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("name, fmt", [("doctor.prom", "npu-exporter"), ("doctor.json", "textfile"),
                                       ("doctor.txt", None), ("doctor.txt", "textfile")])
def test_a_bad_name_and_format_combination_is_a_usage_error(cli, tmp_path, name, fmt):
    ran = check(cli, "--metrics-file", str(tmp_path / name), *(["--metrics-format", fmt] if fmt else []))
    assert ran.code == 2 and ran.out == "" and "--metrics" in ran.err
    assert os.listdir(tmp_path) == []


def test_metrics_format_without_a_file_is_a_usage_error(cli):
    ran = check(cli, "--metrics-format", "textfile")
    assert ran.code == 2 and "needs --metrics-file" in ran.err


def test_the_explicit_format_wins_for_other_extensions(cli, tmp_path):
    ran = check(cli, "--metrics-file", str(tmp_path / "doctor.metrics"), "--metrics-format", "npu-exporter")
    assert ran.code == 1
    assert json.loads((tmp_path / "doctor.metrics").read_text())["version"] == "1.0"


@pytest.mark.parametrize("where", ["missing-dir/doctor.prom", "a-dir.prom"])
def test_a_path_that_cannot_be_a_file_is_refused_before_probing(cli, tmp_path, where):
    (tmp_path / "a-dir.prom").mkdir()
    ran = check(cli, "--metrics-file", str(tmp_path / where))
    assert ran.code == 2 and ran.out == ""
    assert len(ran.err.strip().splitlines()) == 1 and "Traceback" not in ran.err


def test_an_unwritable_directory_prints_the_report_then_one_line_and_exits_2(tmp_path):
    """A read-only mount: even root cannot write there. Run as a real process, to see both streams."""
    readonly = tmp_path / "ro"
    readonly.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(readonly)]).returncode:
        pytest.fail("mounting a read-only tmpfs needs root (run the tests as root, see the README)")
    try:
        done = subprocess.run([sys.executable, "-m", "doctor", "check", "--snapshot", BUSY, "--tp", "2",
                               "--metrics-file", str(readonly / "doctor.prom")], capture_output=True, text=True,
                              cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    finally:
        subprocess.run(["umount", str(readonly)], check=True)
    assert done.returncode == 2
    assert "not ready:" in done.stdout                    # the check's own report came first
    assert done.stderr.strip().splitlines()[-1].startswith("ascend-doctor: error: cannot write the metrics file")
    assert "Traceback" not in done.stderr


def test_fleet_check_writes_one_file_with_a_host_label(cli, tmp_path):
    fleet = make_fleet_snapshots(tmp_path)
    ran = cli("fleet", "check", "--snapshots", str(fleet), "--metrics-file", str(tmp_path / "fleet.prom"))
    assert ran.code in (1, 3), ran.err
    families = {f.name: f for f in text_string_to_metric_families((tmp_path / "fleet.prom").read_text())}
    hosts = {s.labels.get("host") for s in families["ascend_doctor_check_status"].samples}
    assert {"busy-01", "healthy-01"} <= hosts
    assert {s.labels["host"] for s in families["ascend_doctor_host_reachable"].samples} == {"busy-01", "healthy-01"}


def make_fleet_snapshots(tmp_path):
    """A `fleet collect -o` folder built from two bundled examples (its index names each host's folder)."""
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    hosts = []
    for host, example in (("busy-01", "atlas-800-a3-busy"), ("healthy-01", "atlas-800i-a2-healthy")):
        shutil.copytree(EXAMPLES / example, fleet / host)
        hosts.append({"name": host, "directory": host})
    (fleet / "fleet.json").write_text(json.dumps({"schema": fleet_index_schema(), "hosts": hosts}))
    return fleet


def fleet_index_schema() -> str:
    from doctor.fleet.session import INDEX_SCHEMA

    return INDEX_SCHEMA
