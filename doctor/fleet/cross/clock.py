"""FLEET007 clock-skew: each host's clock against the controller's, as measured over SSH."""

from __future__ import annotations

import math

from doctor.fleet.cross.base import HostView, Verdict, conclude
from doctor.model import FAIL, WARN

VERDICT = Verdict("FLEET007", "clock-skew")
WARN_AFTER_S = 1.0
FAIL_AFTER_S = 60.0
FIX = ("Synchronise every host with the same NTP servers (chrony or systemd-timesyncd): `chronyc tracking` or "
       "`timedatectl` shows whether a host is synchronised; `chronyc makestep` corrects a large offset at once.")


def _offset(host: HostView) -> tuple[float, float] | None:
    offset, uncertainty = host.clock_offset_s, host.clock_uncertainty_s or 0.0
    if offset is None or not math.isfinite(offset) or not math.isfinite(uncertainty):
        return None
    return offset, abs(uncertainty)


def _describe(host: HostView, offset: float, uncertainty: float) -> str:
    direction = "ahead of" if offset > 0 else "behind"
    margin = f" (± {uncertainty:.1f} s)" if uncertainty else ""
    return f"{host.name} is {abs(offset):.1f} s {direction} the controller's clock{margin}"


def check_clock_skew(hosts: list[HostView]) -> list:
    measured = {host.name: (host, found) for host in hosts if (found := _offset(host)) is not None}
    if not measured:
        return VERDICT.skipped("no host's clock offset was measured")
    beyond = {FAIL: [], WARN: []}
    for host, (offset, uncertainty) in measured.values():
        if abs(offset) > FAIL_AFTER_S + uncertainty:
            beyond[FAIL].append((host.name, _describe(host, offset, uncertainty)))
        elif abs(offset) > WARN_AFTER_S + uncertainty:
            beyond[WARN].append((host.name, _describe(host, offset, uncertainty)))
    problems = []
    for status, limit in ((FAIL, FAIL_AFTER_S), (WARN, WARN_AFTER_S)):
        if beyond[status]:
            lines = [line for _, line in beyond[status]]
            summary = (f"{len(lines)} host clock(s) differ from the controller's by more than {limit:g} s: "
                       + "; ".join(lines[:3]) + (f" and {len(lines) - 3} more" if len(lines) > 3 else ""))
            problems.append(VERDICT.finding(status, summary, "\n".join(lines), FIX, [n for n, _ in beyond[status]]))
    passed = f"the clocks of {len(measured)} hosts are within {WARN_AFTER_S:g} s of the controller's"
    return conclude(VERDICT, problems, [], "clock offsets", passed, "", list(measured))


CHECK = VERDICT.check("each host's clock is within 1 s of the controller's", check_clock_skew)
