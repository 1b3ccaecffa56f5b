"""`bundle` end to end, in-process, on an example snapshot with secrets planted in it and in a log."""

import json
import shutil
import tarfile
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "atlas-800i-a2-healthy"
SECRET = "plantedSecret4242xyz"
TOKEN = "hf_" + "Q" * 34


@pytest.fixture
def planted(tmp_path):
    """A copy of the example snapshot with HF_TOKEN set, and a log that repeats its value plainly."""
    snap = tmp_path / "snap"
    shutil.copytree(EXAMPLE, snap)
    env = json.loads((snap / "env.txt").read_text())
    (snap / "env.txt").write_text(json.dumps({**env, "HF_TOKEN": SECRET}, indent=1))
    log = tmp_path / "serve.log"
    log.write_text(f"INFO loading weights with {SECRET} as key\nINFO pulled with {TOKEN}\n"
                   "RuntimeError: call aclInit failed, ret is -8005\n")
    return snap, log


def members(path) -> dict[str, bytes]:
    with tarfile.open(path) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def test_bundle_holds_snapshot_check_and_diagnosis(cli, planted, tmp_path):
    snap, log = planted
    out = tmp_path / "b.tar.gz"
    ran = cli("bundle", "-o", str(out), "--snapshot", str(snap), str(log))
    assert ran.code == 0, ran.err
    files = members(out)
    assert "ascend-doctor-bundle/snapshot/manifest.json" in files
    assert json.loads(files["ascend-doctor-bundle/check.json"])["schema"] == "ascend-doctor-report/1"
    diagnosis = json.loads(files["ascend-doctor-bundle/diagnosis.json"])
    assert diagnosis["schema"] == "ascend-doctor-diagnosis/1"
    assert "SIG001" in {f["code"] for f in diagnosis["findings"]}
    assert "ascend-doctor-bundle/logs/serve.log" in files


def test_contents_are_listed_on_stderr_with_sizes(cli, planted, tmp_path):
    snap, log = planted
    out = tmp_path / "b.tar.gz"
    ran = cli("bundle", "-o", str(out), "--snapshot", str(snap), str(log))
    for name in members(out):
        assert name in ran.err
    assert " B\n" in ran.err or "KiB" in ran.err
    assert ran.out.strip() == str(out)


def test_planted_secrets_are_absent_from_every_member(cli, planted, tmp_path):
    snap, log = planted
    out = tmp_path / "b.tar.gz"
    assert cli("bundle", "-o", str(out), "--snapshot", str(snap), str(log)).code == 0
    files = members(out)
    assert len(files) > 5
    for name, data in files.items():
        assert SECRET.encode() not in data and TOKEN.encode() not in data, name
    assert b"<redacted> as key" in files["ascend-doctor-bundle/logs/serve.log"]


def test_existing_file_is_kept_unless_forced(cli, planted, tmp_path):
    snap, _ = planted
    out = tmp_path / "b.tar.gz"
    out.write_bytes(b"keep me")
    ran = cli("bundle", "-o", str(out), "--snapshot", str(snap))
    assert ran.code == 2 and "--force" in ran.err and out.read_bytes() == b"keep me"
    assert cli("bundle", "-o", str(out), "--snapshot", str(snap), "--force").code == 0
    assert "ascend-doctor-bundle/check.json" in members(out)


@pytest.mark.parametrize("case", ["missing log", "missing snapshot", "output dir", "no parent"])
def test_bad_paths_are_one_line_usage_errors(cli, planted, tmp_path, case):
    snap, log = planted
    out, argv = tmp_path / "b.tar.gz", []
    if case == "missing log":
        argv = ["--snapshot", str(snap), str(tmp_path / "nope.log")]
    elif case == "missing snapshot":
        argv = ["--snapshot", str(tmp_path / "nope")]
    elif case == "output dir":
        out, argv = tmp_path, ["--snapshot", str(snap)]
    else:
        out, argv = tmp_path / "no" / "b.tar.gz", ["--snapshot", str(snap)]
    ran = cli("bundle", "-o", str(out), *argv)
    assert ran.code == 2 and ran.err.count("\n") == 1 and "Traceback" not in ran.err, ran.err
    assert not list(tmp_path.glob(".bundle-*"))        # no half-written archive left behind
