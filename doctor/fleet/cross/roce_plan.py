"""FLEET002 roce-address-duplicate and FLEET003 roce-plan-inconsistent: the chips' RoCE address plan."""

from __future__ import annotations

import ipaddress

from doctor.fleet.cross.base import HostView, Scope, Verdict, by_value, clusters, conclude, named, spread
from doctor.fleet.cross.chips import Chip, Pair, RoceView, planned_pairs, roce_view
from doctor.model import FAIL, WARN

DUPLICATE = Verdict("FLEET002", "roce-address-duplicate")
PLAN = Verdict("FLEET003", "roce-plan-inconsistent")
NO_CLUSTER = "no cluster: no two hosts share an `ascend_cluster` value"
SHOWN = 3   # problems spelled out in a summary; the evidence lists them all

DUPLICATE_FIX = ("Give each chip its own address on one of the hosts, "
                 "`hccn_tool -i N -ip -s address A netmask M`, and check /etc/hccn.conf on both.")
CONF_FIX = ("Make /etc/hccn.conf and the chips agree: apply the file's address "
            "(`hccn_tool -i N -ip -s address A netmask M`, which also rewrites the file), or, if the chip's "
            "address is the right one, set it again the same way so the file records it.")
SUBNET_FIX = ("Put peer chips (the same device index on every node) in one subnet, as in the cluster's "
              "address plan: `hccn_tool -i N -ip -s address A netmask M` on the chips that are out of it.")
GATEWAY_FIX = ("Use one gateway and detection address per subnet: `hccn_tool -i N -gateway -s gateway G` "
               "and `hccn_tool -i N -netdetect -s address G` on the chips that differ.")


# -- FLEET002 -------------------------------------------------------------------------------


def check_address_duplicates(hosts: list[HostView]) -> list:
    if len(hosts) < 2:
        return DUPLICATE.skipped("only one host")
    views = [roce_view(host) for host in hosts]
    owners: dict[object, list[Chip]] = {}
    for view in views:
        for chip in view.chips.values():
            owners.setdefault(chip.address, []).append(chip)
    shared = {address: chips for address, chips in owners.items() if len(chips) > 1}
    problems = [_duplicates_finding(shared)] if shared else []
    with_chips = [view.host for view in views if view.chips]
    passed = (f"the {sum(map(len, owners.values()))} chip RoCE addresses on {len(with_chips)} hosts are all different"
              if owners else None)
    return conclude(DUPLICATE, problems, [u for view in views for u in view.unreadable], "chip addresses",
                    passed, "no hccn_tool evidence: no chip address (`hccn_tool -i N -ip -g` or /etc/hccn.conf) "
                    "was collected", with_chips)


def _duplicates_finding(shared: dict[object, list[Chip]]):
    lines = [f"{address}: {', '.join(f'{c.ref} ({c.source})' for c in chips)}" for address, chips in shared.items()]
    hosts = sorted({chip.host for chips in shared.values() for chip in chips})
    first, chips = next(iter(shared.items()))
    summary = (f"RoCE address {first} is on {' and '.join(c.ref for c in chips)}" if len(shared) == 1 else
               f"{len(shared)} RoCE addresses are each on more than one chip: " + "; ".join(lines[:SHOWN])
               + (f" and {len(shared) - SHOWN} more" if len(shared) > SHOWN else ""))
    return DUPLICATE.finding(FAIL, summary, "\n".join(lines), DUPLICATE_FIX, hosts)


# -- FLEET003 -------------------------------------------------------------------------------


def check_roce_plan(hosts: list[HostView]) -> list:
    where = clusters(hosts)
    if not where:
        return PLAN.skipped(NO_CLUSTER)
    views = {host.name: roce_view(host) for scope in where for host in scope.hosts}
    problems = []
    mismatches = [line for view in views.values() for line in conf_mismatches(view)]
    if mismatches:
        problems.append(_conf_finding(mismatches))
    for scope in where:
        problems += _subnet_findings(scope, views) + _gateway_findings(scope, views)
    chips = sum(len(view.chips) for view in views.values())
    with_chips = [name for name, view in views.items() if view.chips]
    passed = (f"hccn.conf agrees with hccn_tool -ip, and peer chips share a subnet and gateway "
              f"({len(with_chips)} hosts, {chips} chips in {', '.join(s.label for s in where)})" if chips else None)
    return conclude(PLAN, problems, [u for view in views.values() for u in view.unreadable], "chip addresses",
                    passed, "no hccn_tool evidence on the hosts of any cluster", with_chips)


def conf_mismatches(view: RoceView) -> list[tuple[str, str]]:
    """(host, line) for each chip whose live address or netmask differs from /etc/hccn.conf's."""
    found = []
    for device, live in sorted(view.live.items()):
        entry = view.conf.get(device, {})
        if not entry.get("address"):
            continue   # the file does not configure this chip: nothing to disagree with
        same_address = _same_address(live.address, entry["address"])
        same_mask = not (live.netmask and entry.get("netmask")) or live.netmask.strip() == entry["netmask"].strip()
        if not (same_address and same_mask):
            found.append((view.host, f"{view.host}:{device}: hccn_tool -ip reports {live.address} netmask "
                                     f"{live.netmask}, /etc/hccn.conf has {entry['address']} netmask "
                                     f"{entry.get('netmask')}"))
    return found


def _same_address(one: str, other: str) -> bool:
    try:
        return ipaddress.ip_address(one.strip()) == ipaddress.ip_address(other.strip())
    except ValueError:
        return one.strip() == other.strip()


def _conf_finding(mismatches: list[tuple[str, str]]):
    hosts = list(dict.fromkeys(host for host, _ in mismatches))
    summary = (f"/etc/hccn.conf differs from the chips' live address on {len(mismatches)} chip(s) of "
               f"{named(hosts)}: edited but not applied, or changed without updating the file")
    return PLAN.finding(FAIL, summary, "\n".join(line for _, line in mismatches), CONF_FIX, hosts)


def _subnet_findings(scope: Scope, views: dict[str, RoceView]) -> list:
    split: dict[frozenset, Pair] = {}
    for pair in planned_pairs(scope, views):
        network = pair.source.network
        if pair.peer.device != pair.source.device:
            continue   # a stand-in peer (the node lacks that index): reachable or not, no subnet to share
        if network is not None and pair.peer.address not in network:
            split.setdefault(frozenset((pair.source.ref, pair.peer.ref)), pair)
    if not split:
        return []
    lines = [f"{p.source.ref} {p.source.cidr} and {p.peer.ref} {p.peer.cidr}" for p in split.values()]
    hosts = sorted({chip.host for p in split.values() for chip in (p.source, p.peer)})
    summary = (f"{scope.label}: {len(lines)} pair(s) of peer chips are not in one subnet: " + "; ".join(lines[:SHOWN])
               + (f" and {len(lines) - SHOWN} more" if len(lines) > SHOWN else ""))
    return [PLAN.finding(FAIL, summary, "\n".join(lines), SUBNET_FIX, hosts)]


def _gateway_findings(scope: Scope, views: dict[str, RoceView]) -> list:
    settings: dict[tuple, dict[str, str]] = {}   # (subnet, setting) -> chip ref -> value
    for name in scope.names:
        view = views[name]
        for device, chip in view.chips.items():
            for setting in ("gateway", "netdetect"):
                value = view.conf.get(device, {}).get(setting)
                if value and chip.network is not None:
                    settings.setdefault((chip.network, setting), {})[chip.ref] = value
    differing = [(subnet, setting, by_value(values)) for (subnet, setting), values in settings.items()
                 if len(set(values.values())) > 1]
    if not differing:
        return []
    lines = [f"subnet {subnet} {setting} {spread(groups, 'chips')}" for subnet, setting, groups in differing]
    refs = [ref for _, _, groups in differing for _, holders in groups[1:] for ref in holders]
    hosts = list(dict.fromkeys(ref.rpartition(":")[0] for ref in refs))
    summary = f"{scope.label}: chips of one subnet use different gateways: " + "; ".join(lines[:SHOWN])
    return [PLAN.finding(WARN, summary, "\n".join(lines), GATEWAY_FIX, hosts)]


DUPLICATE_CHECK = DUPLICATE.check("each chip's RoCE address is unique across the checked fleet",
                                  check_address_duplicates)
PLAN_CHECK = PLAN.check("in a cluster, peer chips share a subnet and gateway, and hccn.conf matches hccn_tool -ip",
                        check_roce_plan)
