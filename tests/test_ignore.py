"""--ignore: a named check's FAIL or ERROR is reported as a WARN that says what it was; `all` names every check."""

import json
from pathlib import Path

import pytest

from doctor.checks.catalog import by_code
from doctor.checks.runner import run_checks
from doctor.evidence import TIMEOUT, Observation
from doctor.evidence_keys import DOCKER_INFO
from doctor.exit_codes import ExitStatus
from doctor.fleet import judge
from doctor.fleet.cross.base import FleetFinding
from doctor.fleet.inventory import Target
from doctor.ignore import Ignore
from doctor.model import ERROR, FAIL, PASS, SKIP, WARN, Finding, Intent
from doctor.report import Report
from tests.support.check_table import evidence_of

BUSY_A3 = Path(__file__).resolve().parents[1] / "examples" / "atlas-800-a3-busy"
A3_ARGS = ["--tp", "2", "--image", "quay.io/ascend/vllm-ascend:v0.11.0rc0", "--json"]
HUNG_DOCKER = {DOCKER_INFO: Observation(DOCKER_INFO, "command", TIMEOUT, detail="was killed after 10 s")}


def finding(status, code="DEV006") -> Finding:
    return Finding(code, "chips-busy", "devices", status, "2 chips in use")


@pytest.mark.parametrize("status, reported", [(FAIL, WARN), (ERROR, WARN), (WARN, WARN), (PASS, PASS), (SKIP, SKIP)])
def test_only_what_stops_a_deployment_becomes_a_warn(status, reported):
    ignored = finding(status).ignore()
    assert ignored.status == reported
    assert ignored.ignored == (status in (FAIL, ERROR))
    if ignored.ignored:
        assert ignored.summary == f"2 chips in use ({status} ignored by --ignore)"


@pytest.mark.parametrize("codes, covered", [
    (["DEV006"], True), (["dev006"], True), (["DEV005"], False), (["all"], True), (["ALL"], True), ([], False),
])
def test_which_checks_are_covered(codes, covered):
    assert Ignore(codes).apply(finding(FAIL)).ignored is covered


def test_an_ignored_error_no_longer_makes_the_verdict_undecided():
    docker = [by_code("SVC001")]
    plain = run_checks(evidence_of(HUNG_DOCKER), Intent(), catalog=docker)
    assert plain[0].status == ERROR and Report(plain).exit_status == ExitStatus.UNDECIDED
    for ignore in (["SVC001"], ["all"]):
        accepted = run_checks(evidence_of(HUNG_DOCKER), Intent(), ignore, catalog=docker)
        assert (accepted[0].status, accepted[0].ignored) == (WARN, True)
        assert "ERROR ignored by --ignore" in accepted[0].summary
        assert Report(accepted).exit_status == ExitStatus.OK


def test_fleet_findings_are_accepted_the_same_way():
    skew = FleetFinding("FLEET001", "version-skew", FAIL, "driver differs", hosts=("a", "b"))
    assert Ignore(["fleet001"]).apply(skew).status == WARN
    assert Ignore(["all"]).apply(skew).summary == "driver differs (FAIL ignored by --ignore)"
    assert Ignore(["DEV001"]).apply(skew) is skew


def test_a_hosts_preflight_ignore_all_reaches_its_checks():
    """preflight_ignore: [all] in the inventory (upper-cased by the inventory reader) accepts every check."""
    from doctor import snapshot

    evidence = snapshot.read(str(BUSY_A3))
    target = Target("a3", "a3", image="quay.io/ascend/vllm-ascend:v0.11.0rc0", ignore=("ALL",))
    findings, _ = judge.host_findings(evidence, target, [])
    assert not [f for f in findings if f.status in (FAIL, ERROR)]
    assert {f.code for f in findings if f.ignored} >= {"DEV006", "ENV002"}


@pytest.mark.parametrize("ignore", [["--ignore", "all"], ["--ignore=ALL"], ["--ignore", "DEV006,ENV002"],
                                    ["--ignore=DEV006", "--ignore=ENV002"]])
def test_the_command_line_forms_the_preflight_role_and_users_give(cli, ignore):
    before = cli("check", "--snapshot", str(BUSY_A3), *A3_ARGS)
    after = cli("check", "--snapshot", str(BUSY_A3), *A3_ARGS, *ignore)
    failing = {f["code"] for f in json.loads(before.out)["findings"] if f["status"] == "FAIL"}
    accepted = {f["code"]: f for f in json.loads(after.out)["findings"] if f["ignored"]}
    assert (before.code, after.code) == (1, 0)
    assert set(accepted) == failing == {"DEV006", "ENV002"}
    assert all(f["status"] == "WARN" and "FAIL ignored by --ignore" in f["summary"] for f in accepted.values())


def test_all_does_not_hide_a_misspelt_code(cli):
    ran = cli("check", "--snapshot", str(BUSY_A3), "--ignore", "all,NOPE001")
    assert ran.code == ExitStatus.USAGE and "NOPE001" in ran.err
