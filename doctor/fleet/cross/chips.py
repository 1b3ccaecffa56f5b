"""Each chip's RoCE address as a host reports it, and which chip on another node is its peer."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from doctor.evidence import Evidence
from doctor.evidence_keys import ANY, HCCN_CONF, file_key, hccn_device, hccn_key
from doctor.facts import Facts, Undecided
from doctor.fleet.cross.base import HostView, Scope, Unreadable
from doctor.model import ERROR
from doctor.parsers import hccn

LIVE, CONF = "hccn_tool -ip", HCCN_CONF
_UNREADABLE = object()


def devices_queried(evidence: Evidence, query: str) -> list[int]:
    """The devices with a `hccn_tool -i N QUERY -g` observation."""
    devices = (hccn_device(key, query) for key in evidence.keys_matching(hccn_key(ANY, query)))
    return sorted(d for d in devices if d is not None)


@dataclass(frozen=True)
class Chip:
    host: str
    device: int
    address: ipaddress.IPv4Address | ipaddress.IPv6Address
    netmask: str | None
    source: str                     # LIVE or CONF

    @property
    def ref(self) -> str:
        return f"{self.host}:{self.device}"

    @property
    def network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
        if not self.netmask:
            return None
        return ipaddress.ip_network(f"{self.address}/{self.netmask}", strict=False)

    @property
    def cidr(self) -> str:
        network = self.network
        return f"{self.address}/{network.prefixlen}" if network else str(self.address)


@dataclass
class RoceView:
    host: str
    chips: dict[int, Chip] = field(default_factory=dict)           # hccn_tool's address, else hccn.conf's
    live: dict[int, hccn.DeviceIp] = field(default_factory=dict)   # what `hccn_tool -i N -ip -g` reported
    conf: dict[int, dict[str, str]] = field(default_factory=dict)  # /etc/hccn.conf by device
    unreadable: list[Unreadable] = field(default_factory=list)


def roce_view(host: HostView) -> RoceView:
    view = RoceView(host.name)
    facts = Facts(host.evidence)
    conf = _parsed(facts, file_key(HCCN_CONF), _conf_or_empty, view)
    view.conf = conf if isinstance(conf, dict) else {}
    broken = set()
    for device in devices_queried(host.evidence, "-ip"):
        live = _parsed(facts, hccn_key(device, "-ip"), hccn.parse_ip, view)
        if live is _UNREADABLE:
            broken.add(device)
        elif live is not None:
            view.live[device] = live
    configured = {device for device, entry in view.conf.items() if entry.get("address")}
    for device in sorted((set(view.live) | configured) - broken):
        chip = _chip(view, device)
        if chip is not None:
            view.chips[device] = chip
    return view


def _conf_or_empty(text: str) -> dict[int, dict[str, str]]:
    return hccn.parse_hccn_conf(text) if text.strip() else {}   # an empty hccn.conf configures nothing


def _parsed(facts: Facts, key: str, parser, view: RoceView):
    try:
        return facts.parsed(key, parser)
    except Undecided as exc:
        if exc.status != ERROR:
            return None
        view.unreadable.append(Unreadable(view.host, exc.reason, exc.evidence))
        return _UNREADABLE


def _chip(view: RoceView, device: int) -> Chip | None:
    entry = view.conf.get(device, {})
    live = view.live.get(device)
    if live is not None:
        address, netmask, source = live.address, live.netmask or entry.get("netmask"), LIVE
    else:
        address, netmask, source = entry["address"], entry.get("netmask"), CONF
    try:
        chip = Chip(view.host, device, ipaddress.ip_address(address.strip()), netmask, source)
        chip.network   # a netmask that is not one is as unreadable as a bad address
    except ValueError:
        view.unreadable.append(Unreadable(view.host, f"device {device}: {source} gives address {address!r} "
                                                     f"netmask {netmask!r}, not an IP address and netmask"))
        return None
    return chip


def peer_chip(view: RoceView, device: int) -> Chip | None:
    """The chip with the same index on the peer node, else its first chip."""
    if device in view.chips:
        return view.chips[device]
    return view.chips[min(view.chips)] if view.chips else None


@dataclass(frozen=True)
class Pair:
    source: Chip
    peer: Chip


def planned_pairs(scope: Scope, views: dict[str, RoceView]) -> list[Pair]:
    """Each chip of each node with its peer chip on every other node of the cluster."""
    pairs = []
    for host in scope.names:
        for chip in views[host].chips.values():
            for other in scope.names:
                peer = peer_chip(views[other], chip.device) if other != host else None
                if peer is not None:
                    pairs.append(Pair(chip, peer))
    return pairs


def hccl_if_ip(host: HostView) -> str | None:
    """The host's HCCL_IF_IP as an address (normalised), or None when unset, unreadable or not an address."""
    try:
        value = Facts(host.evidence).env().get("HCCL_IF_IP")
    except Undecided:
        return None
    try:
        return str(ipaddress.ip_address(value.strip())) if value else None
    except ValueError:
        return None
