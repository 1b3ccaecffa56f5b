"""The textfile: Prometheus' own parser reads back every name, label, value, HELP and TYPE."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from doctor.metrics import samples, textfile
from doctor.model import Status
from doctor.report import Report
from tests.metrics.support import (EXAMPLE_NAMES, GOLDEN, VOLATILE, example_run, finding, hostile_run,
                                   updating)

NOW = 1_800_000_000.5


def parsed(text: str) -> dict:
    return {f.name: f for f in text_string_to_metric_families(text)}


def series(family) -> dict:
    return {tuple(sorted(s.labels.items())): s.value for s in family.samples}


def test_every_family_round_trips_with_help_and_type():
    run = example_run("atlas-800-a3-busy")
    families = samples.families([run], NOW)
    read = parsed(textfile.render(families))
    assert set(read) == {f.name for f in families}
    for family in families:
        assert read[family.name].documentation == family.help
        assert read[family.name].type == "gauge"
        assert len(read[family.name].samples) == len(family.samples)
    assert all(name.startswith("ascend_doctor_") for name in read)


def test_check_status_carries_each_finding_with_its_number():
    run = example_run("atlas-800-a3-busy")
    read = parsed(textfile.render(samples.families([run], NOW)))
    by_code = {s.labels["code"]: s for s in read["ascend_doctor_check_status"].samples}
    for f in run.report.findings:
        assert by_code[f.code].value == samples.STATUS_VALUES[f.status]
        assert by_code[f.code].labels == {"code": f.code, "name": f.name, "phase": f.phase}


def test_the_encoding_is_the_documented_one():
    assert samples.STATUS_VALUES == {Status.PASS: 0, Status.WARN: 1, Status.FAIL: 2, Status.ERROR: 3,
                                     Status.SKIP: -1}


def test_counts_verdict_time_and_durations():
    run = example_run("atlas-800-a3-busy")
    read = parsed(textfile.render(samples.families([run], NOW)))
    counts = {s.labels["status"]: s.value for s in read["ascend_doctor_checks"].samples}
    assert counts == {s.lower(): run.report.counts[s] for s in Status}
    assert read["ascend_doctor_verdict"].samples[0].value == int(run.report.exit_status)
    assert read["ascend_doctor_last_run_timestamp_seconds"].samples[0].value == NOW
    durations = {s.labels["probe"]: s.value for s in read["ascend_doctor_probe_duration_seconds"].samples}
    assert durations == {o.key: o.duration_s for o in run.evidence.observations.values()}
    assert durations["npu-smi info"] > 0


def test_hostile_label_values_are_escaped_and_read_back_whole():
    run = hostile_run()
    text = textfile.render(samples.families([run], NOW))
    assert text.count("\n") == len(text.splitlines())     # no raw newline inside a sample line
    (status,) = [s for s in parsed(text)["ascend_doctor_check_status"].samples if s.labels["code"] == "DEV004"]
    # the lone surrogate becomes U+FFFD: the format is UTF-8
    assert status.labels["name"] == 'chip "0"\\ok\nnext line\t}{,=\u00e9\ufffd'
    assert 'name="chip \\"0\\"\\\\ok\\nnext line' in text


def test_help_text_with_a_backslash_and_newline_is_escaped():
    family = samples.Family("ascend_doctor_x", "a \\ b\nc")
    family.add(1)
    assert parsed(textfile.render([family]))["ascend_doctor_x"].documentation == "a \\ b\nc"


def test_fleet_series_carry_a_host_label_and_cross_host_findings_none():
    from doctor.fleet.cross.base import FleetFinding

    runs = [example_run("atlas-800i-a2-healthy", "a2-01"), example_run("alarm-chip", 'odd"host'),
            samples.HostRun("down-01")]
    cross = [FleetFinding("FLEET001", "version-skew", Status.FAIL, "skew")]
    read = parsed(textfile.render(samples.families(runs, NOW, cross, fleet=True)))
    hosts = {s.labels.get("host") for s in read["ascend_doctor_check_status"].samples}
    assert hosts == {"a2-01", 'odd"host', None}
    assert series(read["ascend_doctor_host_reachable"]) == {(("host", "a2-01"),): 1, (("host", 'odd"host'),): 1,
                                                            (("host", "down-01"),): 0}
    assert series(read["ascend_doctor_verdict"])[(("host", "down-01"),)] == 3
    fleet = [s for s in read["ascend_doctor_check_status"].samples if s.labels["code"] == "FLEET001"]
    assert fleet[0].labels == {"code": "FLEET001", "name": "version-skew", "phase": "fleet"} and fleet[0].value == 2


def test_no_evidence_means_no_duration_series():
    run = samples.HostRun(None, Report([finding("DEV004", Status.PASS)]), None)
    assert parsed(textfile.render(samples.families([run], NOW)))["ascend_doctor_probe_duration_seconds"].samples == []


def test_invalid_names_are_refused_not_written():
    family = samples.Family("ascend-doctor", "bad name")
    with pytest.raises(ValueError):
        textfile.render([family])
    family = samples.Family("ascend_doctor_x", "bad label")
    family.add(1, **{"__reserved": "x"})
    with pytest.raises(ValueError):
        textfile.render([family])


@pytest.mark.parametrize("value, shown", [(2.0, "2"), (-1.0, "-1"), (0.021, "0.021"), (float("nan"), "NaN"),
                                          (float("inf"), "+Inf"), (1.8e9 + 0.5, "1800000000.5")])
def test_values_are_written_as_the_format_spells_them(value, shown):
    assert textfile.format_value(value) == shown


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_bundled_examples_match_their_golden_textfile(name):
    text = VOLATILE.sub(r"\1 <volatile>", textfile.render(samples.families([example_run(name)], NOW)))
    golden = GOLDEN / f"{name}.prom"
    if updating():
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), f"UPDATE_GOLDEN=1 rewrites {golden}; read it before committing"
