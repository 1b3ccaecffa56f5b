import json

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
    target.mkdir()
    (target / "keep.txt").write_text("precious")
    with pytest.raises(snapshot.SnapshotError, match="not empty"):
        snapshot.write(sample_evidence(), target)
    assert (target / "keep.txt").read_text() == "precious"
    snapshot.write(sample_evidence(), target, force=True)
    assert not (target / "keep.txt").exists()


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
