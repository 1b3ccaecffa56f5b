"""Reachability inside a cluster, from the second round of evidence that `ping_plan` asks for:
FLEET005 npu-peer-unreachable (chip to chip over RoCE) and FLEET006 hccl-interface-unreachable."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from doctor.evidence import MISSING, NOT_A_FILE, OK, PERMISSION, Observation
from doctor.evidence_keys import INTERFACES, host_ping_key, npu_ping_key
from doctor.facts import Facts, Undecided, describe_failure
from doctor.fleet.cross.base import HostView, Unreadable, Verdict, clusters, conclude, named
from doctor.fleet.cross.chips import Pair, hccl_if_ip, planned_pairs, roce_view
from doctor.model import ERROR, FAIL, WARN
from doctor.parsers import hccn
from doctor.parsers.errors import ParseError, excerpt
from doctor.parsers.text import decode

PEERS = Verdict("FLEET005", "npu-peer-unreachable")
HCCL = Verdict("FLEET006", "hccl-interface-unreachable")
NO_CLUSTER = "no cluster: no two hosts share an `ascend_cluster` value"
SHOWN = 3
REACHED, PARTIAL, LOST, NOT_RUN = "reached", "partial", "lost", "not run"

PEER_FIX = ("Check both chips: link (`hccn_tool -i N -link -g`), address (`hccn_tool -i N -ip -g`), net health "
            "(`hccn_tool -i N -net_health -g`), the switch ports and VLAN between them; retry by hand with "
            "`hccn_tool -i N -ping -g address PEER`.")
NOT_LOCAL_FIX = ("Set HCCL_IF_IP on each node to an address of that node's own interface that the other nodes "
                 "reach (`ip -br addr`), e.g. the address of the NIC named in HCCL_SOCKET_IFNAME.")
UNREACHABLE_FIX = ("Make HCCL_IF_IP reachable from every node of the cluster: same network or a route between "
                   "them, firewalls open (`ping -c 2 ADDRESS` from each node), or pick another interface.")


def ping_plan(hosts: list[HostView]) -> dict[str, dict]:
    """What each host of a multi-node cluster pings in the second round: each chip its peer chip on every
    other node, and the host the other nodes' HCCL_IF_IP. Hosts with nothing to ping are left out."""
    plan: dict[str, dict] = {}
    for scope in clusters(hosts):
        views = {host.name: roce_view(host) for host in scope.hosts}
        for pair in planned_pairs(scope, views):
            _add(plan, pair.source.host, "npu_pings", (pair.source.device, str(pair.peer.address)))
        for host in scope.hosts:
            for peer in scope.hosts:
                address = hccl_if_ip(peer) if peer is not host else None
                if address:
                    _add(plan, host.name, "host_pings", address)
    return plan


def _add(plan: dict[str, dict], host: str, kind: str, item) -> None:
    entry = plan.setdefault(host, {"npu_pings": [], "host_pings": []})
    if item not in entry[kind]:
        entry[kind].append(item)


@dataclass(frozen=True)
class PingOutcome:
    state: str
    detail: str = ""


def ping_outcome(obs: Observation | None) -> PingOutcome:
    """How one ping went; Undecided (ERROR) when its output cannot be read."""
    if obs is None:
        return PingOutcome(NOT_RUN)
    if obs.status in (MISSING, NOT_A_FILE, PERMISSION):
        return PingOutcome(NOT_RUN, describe_failure(obs))
    if obs.status != OK:
        raise Undecided(ERROR, describe_failure(obs), excerpt(obs.output))
    try:
        summary = hccn.parse_ping_summary(decode(obs.output))
    except ParseError as exc:
        if obs.exit_code:   # the command failed without a summary: "connect: Network is unreachable" ...
            said = (obs.stderr or obs.output).strip().splitlines()
            return PingOutcome(LOST, f"failed (exit {obs.exit_code}): {said[0][:120] if said else 'no output'}")
        raise Undecided(ERROR, f"could not read `{obs.key}`: {exc.reason}", exc.excerpt) from exc
    counts = f"{summary.received} of {summary.transmitted} answered"
    if summary.received == 0:
        return PingOutcome(LOST, counts)
    return PingOutcome(PARTIAL if summary.received < summary.transmitted else REACHED, counts)


@dataclass
class Tally:
    """Problems of one check by kind, and what was looked at."""

    lost: list[tuple[str, str]] = field(default_factory=list)       # (host, line)
    partial: list[tuple[str, str]] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    ran: int = 0
    not_run: int = 0

    def record(self, source: HostView, obs: Observation | None, line: str, hosts: tuple[str, ...]) -> None:
        try:
            outcome = ping_outcome(obs)
        except Undecided as exc:
            self.unreadable.append(Unreadable(source.name, exc.reason, exc.evidence))
            return
        self.ran += outcome.state != NOT_RUN
        self.not_run += outcome.state == NOT_RUN
        for host in hosts if outcome.state in (LOST, PARTIAL) else ():
            (self.lost if outcome.state == LOST else self.partial).append((host, f"{line}: {outcome.detail}"))


def _findings(verdict: Verdict, kinds: list[tuple[str, str, list[tuple[str, str]], str]]) -> list:
    """One finding per (status, what, [(host, line)], fix) that has lines."""
    findings = []
    for status, what, found, fix in kinds:
        lines = list(dict.fromkeys(line for _, line in found))
        if not lines:
            continue
        summary = f"{len(lines)} {what}: " + "; ".join(lines[:SHOWN]) + (
            f" and {len(lines) - SHOWN} more" if len(lines) > SHOWN else "")
        hosts = list(dict.fromkeys(host for host, _ in found))
        findings.append(verdict.finding(status, summary, "\n".join(lines), fix, hosts))
    return findings


# -- FLEET005 -------------------------------------------------------------------------------


def check_npu_peers(hosts: list[HostView]) -> list:
    where = clusters(hosts)
    if not where:
        return PEERS.skipped(NO_CLUSTER)
    tally, planned = Tally(), 0
    for scope in where:
        by_name = {host.name: host for host in scope.hosts}
        views = {host.name: roce_view(host) for host in scope.hosts}
        for pair in planned_pairs(scope, views):
            planned += 1
            obs = by_name[pair.source.host].evidence.get(npu_ping_key(pair.source.device, str(pair.peer.address)))
            tally.record(by_name[pair.source.host], obs, _pair_line(pair), (pair.source.host, pair.peer.host))
    if not planned:
        return PEERS.skipped("no hccn_tool evidence: no chip address is known on two hosts of a cluster")
    problems = _findings(PEERS, [(FAIL, "chip(s) cannot reach their peer over RoCE", tally.lost, PEER_FIX),
                                 (WARN, "chip ping(s) lost packets", tally.partial, PEER_FIX)])
    passed = (f"each chip answered its peer on the other nodes ({tally.ran} pings in "
              f"{', '.join(s.label for s in where)}" + (f"; {tally.not_run} not run)" if tally.not_run else ")")
              if tally.ran else None)
    return conclude(PEERS, problems, tally.unreadable, "chip pings", passed,
                    "no ping evidence: the second round (each chip pinging its peers) did not run")


def _pair_line(pair: Pair) -> str:
    return f"{pair.source.ref} -> {pair.peer.ref} {pair.peer.address}"


# -- FLEET006 -------------------------------------------------------------------------------


def check_hccl_interfaces(hosts: list[HostView]) -> list:
    where = clusters(hosts)
    if not where:
        return HCCL.skipped(NO_CLUSTER)
    tally, not_local, checked = Tally(), [], []
    for scope in where:
        for host in scope.hosts:
            value = _hccl_if_ip_value(host, tally)
            if value is not None:
                checked.append(host.name)
                not_local += _not_local(host, value, tally)
                _ping_from_peers(host, [p for p in scope.hosts if p is not host], tally)
    if not checked and not tally.unreadable:
        return HCCL.skipped("HCCL_IF_IP is not set on any host of a cluster (HCCL then picks an interface itself)")
    problems = _findings(HCCL, [
        (FAIL, "HCCL_IF_IP value(s) are not the host's own address", not_local, NOT_LOCAL_FIX),
        (FAIL, "HCCL_IF_IP address(es) do not answer a peer node", tally.lost, UNREACHABLE_FIX),
        (WARN, "HCCL_IF_IP ping(s) lost packets", tally.partial, UNREACHABLE_FIX)])
    reach = f"answers from the other nodes ({tally.ran} pings)" if tally.ran else "(reachability not tested: no pings)"
    passed = f"HCCL_IF_IP of {named(checked)} is the host's own address and {reach}" if checked else None
    return conclude(HCCL, problems, tally.unreadable, "HCCL_IF_IP evidence", passed, "nothing to compare", checked)


def _hccl_if_ip_value(host: HostView, tally: Tally) -> str | None:
    try:
        return Facts(host.evidence).env().get("HCCL_IF_IP")
    except Undecided as exc:
        if exc.status == ERROR:
            tally.unreadable.append(Unreadable(host.name, exc.reason, exc.evidence))
        return None


def _not_local(host: HostView, value: str, tally: Tally) -> list[tuple[str, str]]:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return [(host.name, f"{host.name}: HCCL_IF_IP={value} is not an IP address")]
    try:
        interfaces = Facts(host.evidence).table(INTERFACES)
    except Undecided as exc:
        if exc.status == ERROR:
            tally.unreadable.append(Unreadable(host.name, exc.reason, exc.evidence))
        return []
    owned = {_normal(a) for d in interfaces.values() if isinstance(d, dict)
             for family in ("ipv4", "ipv6") if isinstance(d.get(family), list) for a in d[family]}
    if str(address) in owned:
        return []
    return [(host.name, f"{host.name}: HCCL_IF_IP={address} is on none of its interfaces")]


def _normal(address: object) -> str:
    try:
        return str(ipaddress.ip_address(str(address).split("/")[0]))
    except ValueError:
        return str(address)


def _ping_from_peers(host: HostView, peers: list[HostView], tally: Tally) -> None:
    address = hccl_if_ip(host)
    if address is None:
        return   # not an address: reported above, nothing was pinged
    for peer in peers:
        tally.record(peer, peer.evidence.get(host_ping_key(address)),
                     f"{peer.name} -> {host.name} HCCL_IF_IP {address}", (host.name, peer.name))


PEERS_CHECK = PEERS.check("each chip of a cluster pings its peer chip on every other node", check_npu_peers)
HCCL_CHECK = HCCL.check("each node's HCCL_IF_IP is its own and answers every other node of its cluster",
                        check_hccl_interfaces)
