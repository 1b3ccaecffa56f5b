"""This host's network interfaces and every address on them, from the kernel itself (rtnetlink).

Standard library only, so the same code runs on a fleet host's own python3 with nothing
installed; secondary addresses (often the HCCL ones) are included, which ioctl would miss.
"""

from __future__ import annotations

import os
import socket
import struct

NETLINK_ROUTE = 0
RTM_NEWADDR, RTM_GETADDR = 20, 22
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
IFA_ADDRESS, IFA_LOCAL = 1, 2
IFF_UP = 0x1
HEADER = struct.Struct("=IHHII")          # nlmsghdr: length, type, flags, sequence, port
IFADDR = struct.Struct("=BBBBI")          # ifaddrmsg: family, prefix length, flags, scope, index
ATTRIBUTE = struct.Struct("=HH")          # rtattr: length, type
RECEIVE_TIMEOUT_S = 2.0
MAX_MESSAGES = 100_000


def interfaces(sys_class_net: str = "/sys/class/net") -> dict[str, dict]:
    """name -> {"up": bool or None, "ipv4": [...], "ipv6": [...]}, every interface listed."""
    table = {name: {"up": _is_up(sys_class_net, name), "ipv4": [], "ipv6": []}
             for _, name in socket.if_nameindex()}
    for index, family, address in addresses():
        name = _name_of(index)
        if name is None:
            continue
        entry = table.setdefault(name, {"up": _is_up(sys_class_net, name), "ipv4": [], "ipv6": []})
        entry["ipv4" if family == socket.AF_INET else "ipv6"].append(address)
    return table


def addresses() -> list[tuple[int, int, str]]:
    """(interface index, family, address) of every IPv4 and IPv6 address."""
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE) as sock:
        sock.settimeout(RECEIVE_TIMEOUT_S)
        sock.bind((0, 0))
        request = IFADDR.pack(socket.AF_UNSPEC, 0, 0, 0, 0)
        sock.send(HEADER.pack(HEADER.size + len(request), RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 1, 0) + request)
        return _receive_dump(sock)


def _receive_dump(sock: socket.socket) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for _ in range(MAX_MESSAGES):
        data = sock.recv(65536)
        if not data:
            break
        for kind, body in _messages(data):
            if kind == NLMSG_DONE:
                return found
            if kind == NLMSG_ERROR:
                raise OSError("the kernel refused the address dump")
            if kind == RTM_NEWADDR:
                entry = _address(body)
                if entry:
                    found.append(entry)
    return found


def _messages(data: bytes):
    offset = 0
    while offset + HEADER.size <= len(data):
        length, kind, _, _, _ = HEADER.unpack_from(data, offset)
        if length < HEADER.size:
            return
        yield kind, data[offset + HEADER.size:offset + length]
        offset += (length + 3) & ~3


def _address(body: bytes) -> tuple[int, int, str] | None:
    if len(body) < IFADDR.size:
        return None
    family, _, _, _, index = IFADDR.unpack_from(body)
    if family not in (socket.AF_INET, socket.AF_INET6):
        return None
    attributes = dict(_attributes(body[IFADDR.size:]))
    # On a point-to-point link IFA_ADDRESS is the peer; IFA_LOCAL is always this host's own.
    raw = attributes.get(IFA_LOCAL) or attributes.get(IFA_ADDRESS)
    if raw is None:
        return None
    return index, family, socket.inet_ntop(family, raw)


def _attributes(data: bytes):
    offset = 0
    while offset + ATTRIBUTE.size <= len(data):
        length, kind = ATTRIBUTE.unpack_from(data, offset)
        if length < ATTRIBUTE.size:
            return
        yield kind, data[offset + ATTRIBUTE.size:offset + length]
        offset += (length + 3) & ~3


def _name_of(index: int) -> str | None:
    try:
        return socket.if_indextoname(index)
    except OSError:
        return None


def _is_up(sys_class_net: str, name: str) -> bool | None:
    """Administratively up with a working link, as `ip link` shows UP with state UP (or UNKNOWN, as lo)."""
    flags, state = _read_sys(sys_class_net, name, "flags"), _read_sys(sys_class_net, name, "operstate")
    try:
        administratively_up = bool(int(flags, 16) & IFF_UP)
    except (TypeError, ValueError):
        return None
    return administratively_up and state in ("up", "unknown")


def _read_sys(sys_class_net: str, name: str, attribute: str) -> str | None:
    try:
        with open(os.path.join(sys_class_net, name, attribute)) as handle:
            return handle.read(64).strip()
    except OSError:
        return None
