"""DEV006 tells the deployment's own serving containers from anything else holding the chips."""

from __future__ import annotations

import json

import pytest

from doctor.model import Intent
from doctor.checks.runner import run_checks
from doctor.evidence import OK, Evidence, Observation
from tests.support.simhost import fixture

A3_TABLE = "npu-smi-info/vllm-ascend-3689-A3-8x2chip-25.3.rc1-procs.txt"   # devices 8, 9: pids 1534604, 1539371
OURS, THEIRS = "a" * 64, "b" * 64


def evidence(owners: dict[int, str] | None, containers: dict[str, str]) -> Evidence:
    """npu-smi's real table; each PID's cgroup in a container; `docker ps` with the containers' labels."""
    found = Evidence()
    found.add(Observation("npu-smi info", "command", OK, output=fixture(A3_TABLE).read_text(), exit_code=0))
    if owners is not None:
        table = {str(pid): {"cgroup": f"0::/system.slice/docker-{cid}.scope\n", "comm": "python3\n"}
                 for pid, cid in owners.items()}
        found.add(Observation("npu-processes", "json", OK, output=json.dumps(table)))
    rows = [json.dumps({"ID": cid, "Names": f"c-{cid[:4]}", "Labels": labels}) for cid, labels in containers.items()]
    found.add(Observation("docker ps", "command", OK, output="\n".join(rows) + "\n", exit_code=0))
    return found


def dev006(found: Evidence, own: tuple[str, ...]) -> tuple[str, str, str]:
    finding = {f.code: f for f in run_checks(found, Intent(devices=(8, 9), own_services=own))}["DEV006"]
    return finding.status, finding.summary, finding.evidence


SERVICE = "ascend-doctor.config=1f2e,ascend-doctor.service=qwen3vl"


@pytest.mark.parametrize("owners, containers, own, status, says", [
    ({1534604: OURS, 1539371: OURS}, {OURS: SERVICE}, ("qwen3vl",), "PASS", "own service(s) qwen3vl"),
    ({1534604: OURS, 1539371: THEIRS}, {OURS: SERVICE, THEIRS: "team=other"}, ("qwen3vl",), "FAIL",
     "1 intended chip(s) already in use"),
    ({1534604: OURS, 1539371: OURS}, {OURS: SERVICE}, (), "FAIL", "2 intended chip(s) already in use"),
    ({1534604: OURS, 1539371: OURS}, {OURS: SERVICE}, ("another",), "FAIL", "already in use"),
    (None, {OURS: SERVICE}, ("qwen3vl",), "FAIL", "already in use"),
    ({1534604: OURS, 1539371: OURS}, {}, ("qwen3vl",), "FAIL", "already in use"),
], ids=["ours", "one-foreign", "not-told", "other-service", "no-process-evidence", "no-docker-evidence"])
def test_own_containers_hold_chips_without_a_failure(owners, containers, own, status, says):
    found, summary, shown = dev006(evidence(owners, containers), own)
    assert (found, says in summary) == (status, True), summary


def test_the_foreign_process_is_the_one_named():
    status, _, shown = dev006(evidence({1534604: OURS, 1539371: THEIRS}, {OURS: SERVICE}), ("qwen3vl",))
    assert status == "FAIL" and "1539371" in shown and "1534604" not in shown
