"""The cross-host phase of `fleet check`: findings that compare hosts, which no single host can see.

Hosts that must agree are the hosts of each cluster (the `ascend_cluster` variable: one model
across nodes; a difference FAILs) and of each inventory group of two or more checked hosts (a
group may mix generations on purpose; a difference WARNs). The same fault on many hosts is one
finding naming them; a group with the same hosts as a cluster or another group is compared once.

`ping_plan` says what the second round of evidence (hosts of multi-node clusters only) pings;
FLEET005 and FLEET006 read its results from the same hosts' evidence.
"""

from __future__ import annotations

import traceback

from doctor.fleet.cross import clock, reach, roce_plan, tls, versions
from doctor.fleet.cross.base import FleetCheck, FleetFinding, HostView
from doctor.fleet.cross.reach import ping_plan
from doctor.model import ERROR, SKIP

__all__ = ["FLEET_CHECKS", "FleetCheck", "FleetFinding", "HostView", "ping_plan", "run_fleet_checks"]

FLEET_CHECKS: tuple[FleetCheck, ...] = (
    versions.CHECK,
    roce_plan.DUPLICATE_CHECK,
    roce_plan.PLAN_CHECK,
    tls.CHECK,
    reach.PEERS_CHECK,
    reach.HCCL_CHECK,
    clock.CHECK,
)


def run_fleet_checks(hosts: list[HostView]) -> list[FleetFinding]:
    """Every fleet check's findings, in catalog order. Never raises: a check that crashes gives one ERROR."""
    findings: list[FleetFinding] = []
    for check in FLEET_CHECKS:
        findings += _run_one(check, list(hosts))
    return findings


def _run_one(check: FleetCheck, hosts: list[HostView]) -> list[FleetFinding]:
    try:
        found = list(check.run(hosts))
    except Exception as exc:   # a bug in one check must not hide the others' findings
        return [FleetFinding(check.code, check.name, ERROR, f"the check itself failed: {type(exc).__name__}: {exc}",
                             traceback.format_exc(limit=-3),
                             "Please report it with the fleet's evidence (`ascend-doctor collect -o DIR` on the hosts).")]
    return found or [FleetFinding(check.code, check.name, SKIP, "nothing to compare")]
