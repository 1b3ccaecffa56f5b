"""The fleet's network: one namespace per host, wired to bridges in a "switch" namespace.

    root namespace (the controller)          switch namespace               host namespaces
    adfl-ctl 10.213.0.1/24  ──veth──  ctl ─┬─ br0 (front) ─┬─ h3 ──veth── eth0 10.213.0.12/24
                                           │               └─ h0 ──veth── eth0 10.213.0.10/24 (bastion)
                                           └─ br1 (back) ──┬─ b0 ──veth── eth1 10.213.1.1/24  (bastion)
                                                           └─ h5 ──veth── eth0 10.213.1.12/24 (hidden)

The bridges live in their own namespace so the controller's firewall (Docker sets the FORWARD
policy to DROP and bridged frames pass through it) never sees host-to-host traffic. The root
namespace has an address on the front subnet only and an `unreachable` route for the whole
fleet range, so a packet for a hidden host fails at once instead of leaving by the default
route. No namespace has a default route: nothing but the fleet's own addresses can be reached.
Everything is named with the prefix ``adfl-`` (ascend-doctor fleet) so that a stale fleet can
be found and removed.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import signal
import subprocess
import time
from dataclasses import dataclass

PREFIX = "adfl-"
SWITCH_NS = PREFIX + "switch"
CONTROLLER_LINK = PREFIX + "ctl"
FLEET_RANGE = ipaddress.ip_network("10.213.0.0/16")
FRONT = ipaddress.ip_network("10.213.0.0/24")     # the controller's subnet
BACK = ipaddress.ip_network("10.213.1.0/24")      # behind the bastion; the controller has no leg here
CONTROLLER_ADDRESS = FRONT.network_address + 1
BASTION_BACK_ADDRESS = BACK.network_address + 1
FIRST_HOST = 10                                   # .10 onwards; room for 240 hosts a subnet


@dataclass(frozen=True)
class Leg:
    """One interface of a host: its name inside the host, the bridge it hangs on, its address."""

    interface: str
    bridge: str
    address: ipaddress.IPv4Address

    @property
    def network(self) -> ipaddress.IPv4Network:
        return FRONT if self.bridge == "br0" else BACK


def namespace_of(host: str) -> str:
    return PREFIX + host


def front_address(index: int) -> ipaddress.IPv4Address:
    return _nth(FRONT, index)


def back_address(index: int) -> ipaddress.IPv4Address:
    return _nth(BACK, index)


def _nth(network: ipaddress.IPv4Network, index: int) -> ipaddress.IPv4Address:
    if not 0 <= index < 245 - FIRST_HOST:
        raise ValueError(f"no room for host #{index} in {network}")
    return network.network_address + FIRST_HOST + index


def ip_batch(lines: list[str], namespace: str | None = None, force: bool = False) -> None:
    """Run many `ip` commands in one process (`ip -batch`); raise with ip's message on failure."""
    argv = ["ip"] + (["-n", namespace] if namespace else []) + (["-force"] if force else []) + ["-batch", "-"]
    done = subprocess.run(argv, input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=60)
    if done.returncode != 0 and not force:
        raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr.strip()}\ncommands:\n" + "\n".join(lines))


def create_switch() -> None:
    """The switch namespace with both bridges, and the controller's leg on the front bridge."""
    ip_batch([
        f"netns add {SWITCH_NS}",
        f"link add {CONTROLLER_LINK} type veth peer name ctl netns {SWITCH_NS}",
        f"addr add {CONTROLLER_ADDRESS}/{FRONT.prefixlen} dev {CONTROLLER_LINK}",
        f"link set {CONTROLLER_LINK} up",
        f"route add unreachable {FLEET_RANGE}",
    ])
    ip_batch([
        "link set lo up",
        "link add br0 type bridge",
        "link add br1 type bridge",
        "link set br0 up",
        "link set br1 up",
        "link set ctl master br0 up",
    ], namespace=SWITCH_NS)


def create_hosts(hosts: dict[str, list[Leg]]) -> None:
    """A namespace per host, each leg a veth pair from the switch's bridge to the host."""
    root, switch = [], []
    for number, (host, legs) in enumerate(hosts.items()):
        namespace = namespace_of(host)
        root.append(f"netns add {namespace}")
        for leg_number, leg in enumerate(legs):
            port = f"p{number}-{leg_number}"
            root.append(f"link add {port} netns {SWITCH_NS} type veth peer name {leg.interface} netns {namespace}")
            switch.append(f"link set {port} master {leg.bridge} up")
    ip_batch(root)
    ip_batch(switch, namespace=SWITCH_NS)
    for host, legs in hosts.items():
        configure_host(namespace_of(host), legs)


def configure_host(namespace: str, legs: list[Leg]) -> None:
    lines = ["link set lo up"]
    for leg in legs:
        lines += [f"addr add {leg.address}/{leg.network.prefixlen} dev {leg.interface}",
                  f"link set {leg.interface} up"]
    ip_batch(lines, namespace=namespace)


def fleet_namespaces() -> list[str]:
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=30).stdout
    names = [line.split()[0] for line in listing.splitlines() if line.strip()]
    return [name for name in names if name.startswith(PREFIX)]


def processes_in(namespaces: list[str]) -> set[int]:
    """The processes in these network namespaces (what `ip netns pids` does, for all at once)."""
    wanted = set()
    for namespace in namespaces:
        with contextlib.suppress(FileNotFoundError):
            wanted.add(os.stat(f"/run/netns/{namespace}").st_ino)
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if os.stat(f"/proc/{entry}/ns/net").st_ino in wanted:
                    found.add(int(entry))
    return found


def kill_processes_in(namespaces: list[str]) -> None:
    """SIGKILL everything running in these namespaces and wait (up to 5 s) until it is gone."""
    pids = processes_in(namespaces) if namespaces else set()
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 5
    while pids and time.monotonic() < deadline:
        pids = {pid for pid in pids if _alive(pid)}
        time.sleep(0.01)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"   # a zombie is gone but for its parent
    except FileNotFoundError:
        return False


def remove_everything() -> list[str]:
    """Kill the fleet's processes, delete its namespaces, links and route; return the namespaces removed.

    Safe to call at any time, with or without a fleet (or the remains of a crashed one) present.
    """
    namespaces = fleet_namespaces()
    kill_processes_in(namespaces)
    # The controller's link first: a deleted namespace takes its veth ends away only later, in
    # the background, and a new fleet started at once would find the old name still taken.
    lines = [f"link del {CONTROLLER_LINK}", f"route del unreachable {FLEET_RANGE}"]
    lines += [f"netns del {namespace}" for namespace in namespaces]
    ip_batch(lines, force=True)     # some of these may already be gone: carry on
    return namespaces
