import json
import subprocess

import pytest

from doctor import snapshot
from doctor.evidence import OK, TIMEOUT, Evidence, Observation


def sample_evidence():
    evidence = Evidence(meta={"root": "/", "devices": [0, 1]})
    evidence.add(Observation("npu-smi info", "command", OK, output="table\n", exit_code=0, duration_s=0.5,
                             argv=("npu-smi", "info")))
    evidence.add(Observation("hccn_tool -i 0 -link -g", "command", TIMEOUT, output="partial",
                             detail="killed after 1 s"))
    evidence.add(Observation("env", "json", OK, output='{"VLLM_API_KEY": "<redacted>"}'))
    evidence.add(Observation("served", "command", OK, output="--api-key s3cret http://u:pw@host/x",
                             argv=("vllm", "serve", "--api-key", "s3cret")))
    return evidence


def test_round_trip_keeps_every_observation(tmp_path):
    original = sample_evidence()
    snapshot.write(original, tmp_path / "snap")
    back = snapshot.read(str(tmp_path / "snap"))
    assert back.meta == original.meta
    assert set(back.observations) == set(original.observations)
    for key in ("npu-smi info", "hccn_tool -i 0 -link -g", "env"):
        assert back.get(key) == original.get(key)


def test_secrets_are_redacted_on_disk(tmp_path):
    snapshot.write(sample_evidence(), tmp_path / "snap")
    written = "".join(p.read_text() for p in (tmp_path / "snap").iterdir())
    assert "s3cret" not in written and "pw@" not in written
    assert "--api-key <redacted>" in written


def test_refuses_to_overwrite_without_force(tmp_path):
    target = tmp_path / "snap"
    snapshot.write(sample_evidence(), target)
    with pytest.raises(snapshot.SnapshotError, match="not empty"):
        snapshot.write(sample_evidence(), target)
    first = (target / "manifest.json").read_text()
    evidence = sample_evidence()
    evidence.meta["devices"] = [5]
    snapshot.write(evidence, target, force=True)
    assert (target / "manifest.json").read_text() != first
    assert snapshot.read(str(target)).meta["devices"] == [5]
    assert [p.name for p in tmp_path.iterdir()] == ["snap"], "nothing left beside it"


def test_force_never_replaces_what_is_not_a_snapshot(tmp_path):
    target = tmp_path / "notes"
    target.mkdir()
    (target / "keep.txt").write_text("precious")
    with pytest.raises(snapshot.SnapshotError, match=r"more than an ascend-doctor snapshot \(keep.txt\)"):
        snapshot.write(sample_evidence(), target, force=True)
    assert (target / "keep.txt").read_text() == "precious"


def test_force_keeps_a_snapshot_that_gained_other_files(tmp_path):
    target = tmp_path / "snap"
    snapshot.write(sample_evidence(), target)
    (target / "my-notes.md").write_text("mine")
    with pytest.raises(snapshot.SnapshotError, match="my-notes.md"):
        snapshot.write(sample_evidence(), target, force=True)
    assert (target / "my-notes.md").read_text() == "mine"


@pytest.mark.parametrize("kind", ["file", "link"])
def test_a_file_or_a_link_is_not_a_target(tmp_path, kind):
    target = tmp_path / "target"
    if kind == "file":
        target.write_text("data")
    else:
        (tmp_path / "real").mkdir()
        target.symlink_to(tmp_path / "real")
    with pytest.raises(snapshot.SnapshotError, match="not a directory" if kind == "file" else "symbolic link"):
        snapshot.write(sample_evidence(), target, force=True)


def test_a_read_only_place_is_a_clear_error(tmp_path):
    parent = tmp_path / "ro"
    parent.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(parent)], check=True)
    try:
        with pytest.raises(snapshot.SnapshotError, match="Read-only file system"):
            snapshot.write(sample_evidence(), parent / "snap")
    finally:
        subprocess.run(["umount", str(parent)], check=True)


def test_a_mount_point_is_refused_with_the_way_out(tmp_path):
    point = tmp_path / "mnt"
    point.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(point)], check=True)
    try:
        (point / "x").write_text("x")
        with pytest.raises(snapshot.SnapshotError, match="mount point.*mnt/snapshot"):
            snapshot.write(sample_evidence(), point, force=True)
        assert (point / "x").exists()
    finally:
        subprocess.run(["umount", str(point)], check=True)


@pytest.mark.parametrize("manifest, message", [
    (None, "no manifest.json"),
    ("{not json", "not valid JSON"),
    ('{"schema": "other/9", "items": []}', "schema 'other/9'"),
    ('{"schema": "ascend-doctor-snapshot/1"}', "no list of items"),
    ('{"schema": "ascend-doctor-snapshot/1", "items": [{"key": 3}]}', "item 0"),
    ('{"schema": "ascend-doctor-snapshot/1", "items": [{"key": "a", "status": "ok", "output_file": "gone.txt"}]}',
     "gone.txt"),
])
def test_damaged_snapshots_say_what_is_wrong(tmp_path, manifest, message):
    if manifest is not None:
        (tmp_path / "manifest.json").write_text(manifest)
    with pytest.raises(snapshot.SnapshotError, match=message):
        snapshot.read(str(tmp_path))


def test_manifest_records_how_each_probe_ended(tmp_path):
    snapshot.write(sample_evidence(), tmp_path / "snap")
    manifest = json.loads((tmp_path / "snap" / "manifest.json").read_text())
    entry = next(i for i in manifest["items"] if i["key"] == "npu-smi info")
    assert entry["exit_code"] == 0 and entry["duration_s"] == 0.5 and entry["argv"] == ["npu-smi", "info"]
