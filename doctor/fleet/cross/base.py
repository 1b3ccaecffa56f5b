"""What the cross-host checks share: a host as the fleet sees it, a fleet finding, the sets of
hosts that must agree (clusters and inventory groups), and the wording of a disagreement."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TypeVar

from doctor.model import ERROR, FAIL, PASS, SKIP, STOPPING, WARN, Status, ignored_summary
from doctor.evidence import Evidence
from doctor.facts import Undecided

PHASE = "fleet"
CLUSTER, GROUP = "cluster", "group"
NOT_COMPARED_GROUPS = ("all", "ungrouped")   # every host, and hosts that have no group in common
HOSTS_NAMED = 8                              # a longer list of hosts ends in "and N more"
RERUN_FIX = ("Rerun `ascend-doctor fleet check`; if it stays unreadable, run `ascend-doctor collect -o DIR` "
             "on that host and look at (or report) the output named.")

T = TypeVar("T")


@dataclass(frozen=True)
class HostView:
    name: str                      # inventory hostname
    groups: tuple[str, ...]        # inventory groups (without "all")
    cluster: str | None            # value of the host's `ascend_cluster` variable: hosts sharing it run one model across nodes
    evidence: Evidence             # doctor.evidence.Evidence collected on that host
    clock_offset_s: float | None = None        # host clock minus controller clock
    clock_uncertainty_s: float | None = None   # how far off that estimate may be


@dataclass(frozen=True)
class FleetFinding:
    code: str
    name: str
    status: Status
    summary: str
    evidence: str = ""
    fix: str = ""
    hosts: tuple[str, ...] = ()    # the hosts it concerns

    def ignore(self) -> FleetFinding:
        if self.status not in STOPPING:
            return self
        return replace(self, status=WARN, summary=ignored_summary(self.status, self.summary))

    def to_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "phase": PHASE, "status": self.status,
                "summary": self.summary, "evidence": self.evidence, "fix": self.fix, "hosts": list(self.hosts)}


@dataclass(frozen=True)
class FleetCheck:
    code: str
    name: str
    title: str
    run: Callable[[list[HostView]], list[FleetFinding]]

    @property
    def phase(self) -> str:
        return PHASE

    @property
    def ref(self) -> str:
        return f"{self.code} {self.name}"


@dataclass(frozen=True)
class Verdict:
    """Builds the findings of one check code."""

    code: str
    name: str

    def check(self, title: str, run: Callable[[list[HostView]], list[FleetFinding]]) -> FleetCheck:
        return FleetCheck(self.code, self.name, title, run)

    def finding(self, status: str, summary: str, evidence: str = "", fix: str = "",
                hosts: Iterable[str] = ()) -> FleetFinding:
        return FleetFinding(self.code, self.name, status, summary, evidence, fix, tuple(hosts))

    def skipped(self, reason: str) -> list[FleetFinding]:
        return [self.finding(SKIP, reason)]


# -- which hosts must agree ------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Hosts that must agree: a cluster (one model across nodes) or an inventory group."""

    kind: str
    name: str
    hosts: tuple[HostView, ...]

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(h.name for h in self.hosts)

    @property
    def strict(self) -> bool:
        """A cluster runs one model, so a difference breaks it; a group may mix on purpose."""
        return self.kind == CLUSTER


def clusters(hosts: list[HostView]) -> list[Scope]:
    """Clusters of two or more hosts, in inventory order."""
    members: dict[str, list[HostView]] = {}
    for host in hosts:
        if host.cluster:
            members.setdefault(host.cluster, []).append(host)
    return [Scope(CLUSTER, name, tuple(found)) for name, found in members.items() if len(found) >= 2]


def scopes(hosts: list[HostView]) -> list[Scope]:
    """Clusters, then inventory groups, each of two or more hosts. A group with exactly the hosts
    of an earlier cluster or group is left out, so one difference is not reported twice."""
    groups: dict[str, list[HostView]] = {}
    for host in hosts:
        for group in host.groups:
            if group not in NOT_COMPARED_GROUPS:
                groups.setdefault(group, []).append(host)
    found = clusters(hosts)
    seen = {frozenset(scope.names) for scope in found}
    for name, members in groups.items():
        host_set = frozenset(h.name for h in members)
        if len(members) >= 2 and host_set not in seen:
            seen.add(host_set)
            found.append(Scope(GROUP, name, tuple(members)))
    return found


def hosts_in(where: list[Scope]) -> list[HostView]:
    seen: dict[str, HostView] = {}
    for scope in where:
        for host in scope.hosts:
            seen.setdefault(host.name, host)
    return list(seen.values())


# -- reading evidence that may be absent or unreadable -----------------------------------------


@dataclass(frozen=True)
class Unreadable:
    host: str
    reason: str
    excerpt: str = ""


def read_each(hosts: list[HostView], reader: Callable[[Evidence], T | None]
              ) -> tuple[dict[str, T], list[Unreadable]]:
    """reader's value per host; absent evidence leaves the host out, unreadable evidence is listed."""
    values: dict[str, T] = {}
    unreadable: list[Unreadable] = []
    for host in hosts:
        try:
            value = reader(host.evidence)
        except Undecided as exc:
            if exc.status == ERROR:
                unreadable.append(Unreadable(host.name, exc.reason, exc.evidence))
            continue
        if value is not None:
            values[host.name] = value
    return values, unreadable


def unreadable_finding(verdict: Verdict, unreadable: list[Unreadable], topic: str) -> FleetFinding:
    names = list(dict.fromkeys(u.host for u in unreadable))
    lines = [f"{u.host}: {u.reason}" + (f"\n  {u.excerpt}" if u.excerpt else "") for u in unreadable]
    return verdict.finding(ERROR, f"could not read {topic} on {named(names)}", "\n".join(lines), RERUN_FIX, names)


def conclude(verdict: Verdict, problems: list[FleetFinding], unreadable: list[Unreadable], topic: str,
             passed: str | None, skip_reason: str, compared: Iterable[str] = ()) -> list[FleetFinding]:
    """The problems and one ERROR for what could not be read; else a PASS, or a SKIP with the
    reason when there was nothing to compare (`passed` is None)."""
    found = list(problems)
    if unreadable:
        found.append(unreadable_finding(verdict, unreadable, topic))
    if found:
        return found
    if passed is None:
        return verdict.skipped(skip_reason)
    return [verdict.finding(PASS, passed, hosts=compared)]


def first_of_each(keyed: Iterable[tuple[object, FleetFinding]]) -> list[FleetFinding]:
    """One finding per key, the first (clusters come before groups, so a FAIL before its WARN)."""
    kept: dict[object, FleetFinding] = {}
    for key, finding in keyed:
        kept.setdefault(key, finding)
    return list(kept.values())


# -- wording ---------------------------------------------------------------------------------


def named(names: Iterable[str], limit: int = HOSTS_NAMED) -> str:
    names = list(names)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def by_value(values: dict[str, str]) -> list[tuple[str, list[str]]]:
    """Who has each value, the most common value first (on a tie, the one seen first)."""
    holders: dict[str, list[str]] = {}
    for who, value in values.items():
        holders.setdefault(value, []).append(who)
    return sorted(holders.items(), key=lambda item: -len(item[1]))


def spread(groups: list[tuple[str, list[str]]], noun: str = "hosts") -> str:
    """"24.1.rc2 on 3 hosts, 23.0.3 on h07, h09": the majority counted, the others named."""
    (top, top_holders), *rest = groups
    head = f"{top} on {len(top_holders)} {noun}" if len(top_holders) > 2 else f"{top} on {named(top_holders)}"
    return ", ".join([head, *(f"{value} on {named(holders)}" for value, holders in rest)])


def skew(verdict: Verdict, scope: Scope, subject: str, values: dict[str, str],
         fix: str) -> tuple[tuple, FleetFinding] | None:
    """A finding when the hosts of `scope` do not all have the same value, keyed for first_of_each:
    the same hosts out of line with the same values is the same finding, whatever the scope."""
    groups = by_value(values)
    if len(groups) < 2:
        return None
    outliers = [who for _, holders in groups[1:] for who in holders]
    status = FAIL if scope.strict else WARN
    summary = f"{scope.label}: {subject} {spread(groups)}"
    if not scope.strict:
        summary += " (a group may mix them on purpose)"
    evidence = "\n".join(f"{subject} {value}: {', '.join(holders)}" for value, holders in groups)
    key = (subject, tuple(sorted((who, values[who]) for who in outliers)))
    return key, verdict.finding(status, summary, evidence, fix, outliers)
