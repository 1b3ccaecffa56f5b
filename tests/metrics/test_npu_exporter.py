"""The NPU Exporter custom metrics file: each documented limit, trimmed with a warning, never broken.

Limits from MindCluster docs/en/scheduling/api/npu_exporter/03_custom_metrics_file.md and the
exporter's reader, component/npu-exporter/plugins/collector_for_text_file.go (see the module).
"""

from __future__ import annotations

import json
import os

import pytest

from doctor.metrics import npu_exporter, samples
from doctor.metrics.samples import Family, HostRun
from doctor.model import Status
from doctor.report import Report
from tests.metrics.support import EXAMPLES, example_run, finding, hostile_run

NOW = 1_800_000_000.25


def render(family, warnings=None):
    return npu_exporter.render(family, NOW, (warnings if warnings is not None else []).append)


def status_family(runs):
    return samples.check_status(runs)


def many_hosts(count: int) -> list[HostRun]:
    findings = [finding("DEV004", Status.FAIL), finding("DEV001", Status.PASS, name="device-nodes-missing")]
    return [HostRun(f"npu-{n:03d}", Report(findings)) for n in range(count)]


def test_the_bundled_example_gives_a_file_the_exporter_accepts():
    text = render(status_family([example_run("atlas-800-a3-busy")]))
    assert npu_exporter.problems(text) == []
    document = json.loads(text)
    assert document["version"] == "1.0" and document["name"] == "ascend_doctor_check_status"
    assert document["timestamp"] == 1_800_000_000_250_000         # microseconds
    assert document["data_list"][0]["label"] == {"code": "DEV006", "name": "chips-busy", "phase": "devices"}
    assert document["data_list"][0]["value"] == 2                  # the worst first


def test_every_item_has_the_labels_of_the_first():
    """The exporter takes the label names from the first item only."""
    items = json.loads(render(status_family(many_hosts(3))))["data_list"]
    assert {tuple(sorted(i["label"])) for i in items} == {("code", "host", "name", "phase")}


def test_more_than_128_items_keeps_the_128_worst_with_a_warning():
    warnings = []
    text = render(status_family(many_hosts(100)), warnings)       # 200 results
    items = json.loads(text)["data_list"]
    assert len(items) == npu_exporter.MAX_ITEMS == 128
    assert [i["value"] for i in items[:100]] == [2] * 100
    assert npu_exporter.problems(text) == [] and "kept the 128 worst" in warnings[0]


def test_a_too_long_label_value_is_shortened_with_a_warning():
    warnings = []
    runs = [HostRun("h" * 5000, Report([finding("DEV004", Status.FAIL)]))]
    text = render(status_family(runs), warnings)
    assert json.loads(text)["data_list"][0]["label"]["host"] == "h" * npu_exporter.LABEL_VALUE_LIMIT
    assert npu_exporter.problems(text) == [] and "shortened" in warnings[0]


def test_a_file_over_100_kib_keeps_the_worst_items_that_fit_with_a_warning():
    warnings = []
    long_name = "y" * 500
    runs = [HostRun(f"{n:03d}" + "x" * 500, Report([finding("DEV004", Status.FAIL, name=long_name)]))
            for n in range(128)]      # about 1.1 KB each: 140 KB in all
    text = render(status_family(runs), warnings)
    assert len(text.encode()) <= npu_exporter.SIZE_LIMIT == 100 * 1024
    assert 80 < len(json.loads(text)["data_list"]) < 128
    assert npu_exporter.problems(text) == [] and "100 KiB" in warnings[0]


def test_more_than_10_labels_is_refused():
    family = Family(samples.CHECK_STATUS, samples.CHECK_STATUS_HELP)
    family.add(2, **{f"l{n}": "x" for n in range(11)})
    with pytest.raises(npu_exporter.MetricsFileError):
        render(family)


def test_an_empty_data_list_is_refused():
    with pytest.raises(npu_exporter.MetricsFileError):
        render(Family(samples.CHECK_STATUS, samples.CHECK_STATUS_HELP))


def test_name_and_desc_are_within_their_limits_and_never_change():
    assert 0 < len(samples.CHECK_STATUS) <= npu_exporter.MAX_NAME
    assert 0 < len(samples.CHECK_STATUS_HELP) <= npu_exporter.MAX_DESC
    one, two = (json.loads(render(status_family([example_run(name)]))) for name in ("alarm-chip", "atlas-300i-duo"))
    assert (one["name"], one["desc"], one["version"]) == (two["name"], two["desc"], two["version"])


def test_hostile_label_values_stay_valid_json_strings():
    text = render(status_family([hostile_run("odd\nhost")]))
    assert npu_exporter.problems(text) == []
    assert json.loads(text)["data_list"][0]["label"]["name"].endswith("\u00e9\ufffd")


@pytest.mark.parametrize("change, rule", [
    ({"version": "2.0"}, "version"), ({"name": ""}, "name"), ({"name": "x" * 129}, "name"),
    ({"desc": "x" * 1025}, "desc"), ({"timestamp": 0}, "timestamp"), ({"data_list": []}, "data_list"),
    ({"data_list": [{"value": 1, "label": {"a": 1}}]}, "label"),
    ({"data_list": [{"value": "1", "label": {"a": "1"}}]}, "value"),
    ({"data_list": [{"value": 1, "label": {f"l{n}": "x" for n in range(11)}}]}, "labels"),
])
def test_the_checker_finds_each_broken_rule(change, rule):
    good = json.loads(render(status_family([example_run("alarm-chip")])))
    found = npu_exporter.problems(json.dumps({**good, **change}))
    assert found and rule in found[0]


def test_the_written_file_is_mode_0644_root_owned_and_not_a_link(cli, tmp_path):
    target = tmp_path / "doctor.json"
    ran = cli("check", "--snapshot", str(EXAMPLES / "alarm-chip"), "--metrics-file", str(target))
    assert ran.code == 1
    assert target.stat().st_mode & 0o777 == 0o644
    assert npu_exporter.file_problems(str(target)) == []           # the tests run as root, as the exporter does
    assert npu_exporter.problems(target.read_text()) == []
    assert "warning" not in ran.err


def test_ownership_and_permission_problems_are_named(tmp_path):
    target = tmp_path / "doctor.json"
    target.write_text("{}")
    os.chmod(target, 0o755)
    os.chown(target, 1000, 1000)
    found = npu_exporter.file_problems(str(target))
    assert any("execute" in p for p in found) and any("owned by 1000:1000" in p for p in found)
    os.symlink(target, tmp_path / "link.json")
    assert "symbolic link" in npu_exporter.file_problems(str(tmp_path / "link.json"))[0]


def test_a_non_root_writer_is_warned_that_the_exporter_will_refuse_the_file(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(npu_exporter, "EXPORTER_UID", 4242)
    monkeypatch.setattr(npu_exporter.file_problems, "__defaults__", (4242, 4242))
    ran = cli("check", "--snapshot", str(EXAMPLES / "alarm-chip"), "--metrics-file", str(tmp_path / "doctor.json"))
    assert ran.code == 1 and "NPU Exporter will refuse it" in ran.err
