"""hccn_tool outputs (the NPU's RoCE NIC) and `/etc/hccn.conf`.

Some hccn_tool versions prefix each line with the device ("[devid 0]" or
"[device 0]"); the parsers here accept lines with or without it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from doctor.parsers.errors import ParseError

_DEVICE_PREFIX = re.compile(r"^\s*\[(?:devid|device)\s+(\d{1,9})\]", re.ASCII)
# An author's elision ("...") in a pasted output stands for lines left out.
_ELISION = "..."


def _strip_device_prefix(line: str) -> str:
    return _DEVICE_PREFIX.sub("", line, count=1)


def _optional_labelled_value(text: str, label: str) -> str | None:
    """The value of the "label: value" line (label case-insensitive), None if there is none."""
    values = set()
    for line in text.splitlines():
        name, sep, value = _strip_device_prefix(line).partition(":")
        if sep and name.strip().lower() == label:
            values.add(value.strip())
    if len(values) > 1:
        raise ParseError(f"'{label}:' appears with different values", text)
    value = values.pop() if values else None
    if value == "":
        raise ParseError(f"'{label}:' has no value", text)
    return value


def _labelled_value(text: str, label: str) -> str:
    value = _optional_labelled_value(text, label)
    if value is None:
        raise ParseError(f"no '{label}:' line in hccn_tool output", text)
    return value


def parse_link_status(text: str) -> str:
    """`hccn_tool -i N -link -g` -> "UP" / "DOWN" as printed."""
    return _labelled_value(text, "link status")


def parse_net_health(text: str) -> str:
    """`hccn_tool -i N -net_health -g` -> "Success", "Fault", "Init", "Socket failed", ... as printed."""
    return _labelled_value(text, "net health status")


def parse_fec(text: str) -> str:
    """`hccn_tool -i N -fec -g` -> "rs FEC mode", "no FEC mode", ... as printed."""
    return _labelled_value(text, "fec mode")


@dataclass(frozen=True)
class DeviceIp:
    address: str  # as printed; documentation samples mask it ("10.xx.xx.10")
    netmask: str | None


def parse_ip(text: str) -> DeviceIp:
    """`hccn_tool -i N -ip -g`: "ipaddr:..." and "netmask:..." lines."""
    return DeviceIp(_labelled_value(text, "ipaddr"), _optional_labelled_value(text, "netmask"))


_CONF_KEY = re.compile(r"^(\w+?)_(\d{1,9})$", re.ASCII)


def parse_hccn_conf(text: str) -> dict[int, dict[str, str]]:
    """`/etc/hccn.conf`: address_0=..., netmask_0=... -> {0: {"address": ..., "netmask": ...}}.

    Comments, lines without '=' and keys without a device index are skipped.
    """
    devices: dict[int, dict[str, str]] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        match = _CONF_KEY.match(key.strip())
        if not sep or key.startswith("#") or match is None:
            continue
        name, index = match.group(1), int(match.group(2))
        devices.setdefault(index, {})[name] = value.strip()
    if not devices:
        raise ParseError("no name_N=value line in hccn.conf", text)
    return devices


@dataclass(frozen=True)
class LinkChange:
    at: datetime  # the NPU's local time, as printed
    state: str  # "UP" / "DOWN"


@dataclass(frozen=True)
class LinkStat:
    """`hccn_tool -i N -link_stat -g`. `changes` are in printed order (newest first)."""

    device_id: int | None
    current_time: datetime | None
    link_up_count: int | None
    changes: tuple[LinkChange, ...]

    @property
    def current_state(self) -> str | None:
        """The state of the newest change; among changes in the same second, the one printed first."""
        if not self.changes:
            return None
        _, newest = max(enumerate(self.changes), key=lambda numbered: (numbered[1].at, -numbered[0]))
        return newest.state

    @property
    def down_count(self) -> int:
        return sum(change.state == "DOWN" for change in self.changes)


_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, start=1)}
_CTIME = re.compile(
    r"^[A-Z][a-z]{2}\s+([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})$", re.ASCII
)
# `(.+?)\s+LINK...` would try every run of spaces from each of its positions (quadratic on a
# long line of spaces); ending the time on a non-space finds the same split on a stripped line.
_CHANGE = re.compile(r"^(.*?\S)\s+LINK\s+(UP|DOWN)$", re.ASCII)


def _ctime(value: str, text: str) -> datetime:
    """"Tue Aug  1 14:44:40 2022" without depending on the locale."""
    match = _CTIME.match(value.strip())
    if match is None or match.group(1) not in _MONTHS:
        raise ParseError(f"not a timestamp: {value[:40]!r}", text)
    month = _MONTHS[match.group(1)]
    day, hour, minute, second, year = (int(match.group(n)) for n in (2, 3, 4, 5, 6))
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError as error:
        raise ParseError(f"impossible timestamp {value.strip()!r}: {error}", text) from None


def _link_stat_device(text: str) -> int | None:
    ids = {int(match.group(1)) for match in map(_DEVICE_PREFIX.match, text.splitlines()) if match}
    if len(ids) > 1:
        raise ParseError("link_stat output mixes device prefixes", text)
    return ids.pop() if ids else None


_LABEL = re.compile(r"^[A-Za-z][A-Za-z _]*$")


def parse_link_stat(text: str) -> LinkStat:
    """`hccn_tool -i N -link_stat -g`: current time, link up count and the up/down history.

    Lines with other "label : value" pairs are ignored, so a newer tool's extra fields do no harm.
    """
    fields: dict[str, str] = {}
    changes: list[LinkChange] = []
    for raw in text.splitlines():
        line = _strip_device_prefix(raw).strip()
        if not line:
            continue
        change = _CHANGE.match(line)
        name, sep, value = line.partition(":")
        if change is not None:
            changes.append(LinkChange(_ctime(change.group(1), text), change.group(2)))
        elif sep and _LABEL.match(name.strip()):
            fields.setdefault(" ".join(name.lower().split()), value.strip())
        else:
            raise ParseError(f"unexpected line in link_stat output: {line[:80]!r}", text)
    known = ("current time", "link up count", "link change records")
    if not changes and not any(label in fields for label in known):
        raise ParseError("no link_stat fields in hccn_tool output", text)
    current_time = fields.get("current time")
    up_count = fields.get("link up count")
    return LinkStat(
        device_id=_link_stat_device(text),
        current_time=_ctime(current_time, text) if current_time is not None else None,
        link_up_count=_count(up_count, text) if up_count is not None else None,
        changes=tuple(changes),
    )


_MAX_DIGITS = 18  # keeps int() far from its digit limit on garbage input


def _count(value: str, text: str) -> int:
    value = value.strip()
    if not (value.isascii() and value.isdigit() and len(value) <= _MAX_DIGITS):
        raise ParseError(f"not a count: {value[:40]!r}", text)
    return int(value)


def _titled_pairs(text: str, title: str) -> list[tuple[str, str]]:
    """Pairs under a "<title>:" first line, e.g. "optical info:" / "packet statistics:"."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or lines[0].lower() != f"{title}:":
        raise ParseError(f"hccn_tool output does not start with '{title}:'", text)
    pairs = []
    for line in lines[1:]:
        if line == _ELISION:
            continue
        key, sep, value = line.partition(":")
        if not sep or not key.strip():
            raise ParseError(f"line under '{title}:' is not a key/value: {line[:80]!r}", text)
        pairs.append((key.strip(), value.strip()))
    return pairs


def parse_optical(text: str) -> dict[str, str]:
    """`hccn_tool -i N -optical -g`: "Rx Power0 : 1.0189 mW" -> {"Rx Power0": "1.0189 mW"}."""
    return dict(_titled_pairs(text, "optical info"))


_POWER = re.compile(r"^(-?\d+(?:\.\d+)?)\s*mW$", re.ASCII)


def milliwatts(value: str) -> float | None:
    """"1.0189 mW" -> 1.0189; None for anything else ("not supported")."""
    match = _POWER.match(value.strip())
    return float(match.group(1)) if match else None


def parse_stat(text: str) -> dict[str, int]:
    """`hccn_tool -i N -stat -g`: "packet statistics:" then "counter:number" lines."""
    return {key: _count(value, text) for key, value in _titled_pairs(text, "packet statistics")}


def parse_hw_stats(text: str) -> dict[str, int]:
    """`hccn_tool -i N -hw_stats -g`: "[devid 3] qp_alloc: 1" lines -> {"qp_alloc": 1}."""
    counters: dict[str, int] = {}
    for line in text.splitlines():
        line = _strip_device_prefix(line).strip()
        if not line:
            continue
        key, sep, value = line.partition(":")
        if not sep or not key.strip():
            raise ParseError(f"hw_stats line is not 'counter: number': {line[:80]!r}", text)
        counters[key.strip()] = _count(value, text)
    if not counters:
        raise ParseError("no counters in hw_stats output", text)
    return counters


@dataclass(frozen=True)
class PingResult:
    """`hccn_tool -i N -ping -g address A`."""

    target: str | None
    transmitted: int
    received: int
    loss_percent: float
    round_trips_ms: tuple[float, ...]


_PING_TARGET = re.compile(r"^device\s+\d+\s+PING\s+(\S+)$", re.ASCII)
_PING_REPLY = re.compile(r"^recv\s+seq=\d+\s*,\s*time=(\d+(?:\.\d+)?)\s*ms$", re.ASCII)
_PING_SUMMARY = re.compile(
    r"^(\d{1,18}) packets transmitted, (\d{1,18}) received, (\d+(?:\.\d+)?)% packet loss$", re.ASCII)


def parse_ping(text: str) -> PingResult:
    target: str | None = None
    round_trips: list[float] = []
    summary: re.Match[str] | None = None
    for line in (line.strip() for line in text.splitlines()):
        if not line:
            continue
        if (match := _PING_TARGET.match(line)) is not None:
            target = match.group(1)
        elif (match := _PING_REPLY.match(line)) is not None:
            round_trips.append(float(match.group(1)))
        elif (match := _PING_SUMMARY.match(line)) is not None:
            summary = match
        else:
            raise ParseError(f"unexpected line in hccn_tool ping output: {line[:80]!r}", text)
    if summary is None:
        raise ParseError("hccn_tool ping output has no 'packets transmitted' summary", text)
    transmitted, received = int(summary.group(1)), int(summary.group(2))
    return PingResult(target, transmitted, received, float(summary.group(3)), tuple(round_trips))


@dataclass(frozen=True)
class Route:
    destination: str
    gateway: str  # "*" when directly connected
    genmask: str
    flags: str
    metric: int
    ref: int
    use: int
    iface: str


_ROUTE_HEADER = ("Destination", "Gateway", "Genmask", "Flags", "Metric", "Ref", "Use", "Iface")


def parse_route(text: str) -> tuple[Route, ...]:
    """`hccn_tool -i N -route -g`: a "Routing table:" title, a header, then route-style rows."""
    lines = [line.split() for line in text.splitlines() if line.strip()]
    if lines and lines[0] == ["Routing", "table:"]:
        lines = lines[1:]
    if not lines or tuple(lines[0]) != _ROUTE_HEADER:
        raise ParseError("hccn_tool route output lacks the Destination ... Iface header", text)
    return tuple(_route(cells, text) for cells in lines[1:])


def _route(cells: list[str], text: str) -> Route:
    if len(cells) != len(_ROUTE_HEADER):
        row = " ".join(cells)[:80]
        raise ParseError(f"route row has {len(cells)} cells, expected {len(_ROUTE_HEADER)}: {row!r}", text)
    destination, gateway, genmask, flags, metric, ref, use, iface = cells
    return Route(
        destination, gateway, genmask, flags,
        metric=_count(metric, text), ref=_count(ref, text), use=_count(use, text), iface=iface,
    )


def parse_lldp(text: str) -> dict[str, tuple[str, ...]]:
    """`hccn_tool -i N -lldp -g`: TLV name -> its lines, e.g. {"Port ID TLV": ("Ifname: 400GE1/1/20:2",)}.

    A TLV starts at an unindented line ending in "TLV"; every other line
    belongs to the TLV above it (the switch's description spans several).
    """
    tlvs: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped == _ELISION:
            continue
        if not line[0].isspace() and stripped.endswith("TLV"):
            current = tlvs.setdefault(stripped, [])
        elif current is None:
            raise ParseError(f"lldp output does not start with a TLV: {stripped[:80]!r}", text)
        else:
            current.append(stripped)
    if not tlvs:
        raise ParseError("no TLV in hccn_tool lldp output", text)
    return {name: tuple(lines) for name, lines in tlvs.items()}


def lldp_value(tlvs: dict[str, tuple[str, ...]], tlv: str, field: str) -> str | None:
    """The value of "field: value" inside one TLV, e.g. ("Port ID TLV", "Ifname") -> "400GE1/1/20:2"."""
    for line in tlvs.get(tlv, ()):
        name, sep, value = line.partition(":")
        if sep and name.strip() == field:
            return value.strip()
    return None


_STATUS_TITLE = re.compile(r"^Netdev status:\s*Settings for (\S+?):?$")


def parse_netdev_status(text: str) -> tuple[str, dict[str, str]]:
    """`hccn_tool -i N -status -g` (ethtool-style) -> (interface, {setting: value}).

    Indented lines without a "name:" continue the previous value ("\\n"-joined).
    """
    lines = [line for line in text.splitlines() if line.strip()]
    title = _STATUS_TITLE.match(lines[0].strip()) if lines else None
    if title is None:
        raise ParseError("hccn_tool status output does not start with 'Netdev status:Settings for'", text)
    settings: dict[str, list[str]] = {}   # a value as its lines, joined once at the end
    last_key: str | None = None
    for line in (line.strip() for line in lines[1:]):
        key, sep, value = line.partition(":")
        if sep and key.strip():
            last_key = key.strip()
            settings[last_key] = [value.strip()] if value.strip() else []
        elif last_key is not None and line != _ELISION:
            settings[last_key].append(line)
    return title.group(1), {key: "\n".join(parts) for key, parts in settings.items()}


_SPEED = re.compile(r"^(\d{1,18})\s*Mb/s", re.ASCII)


def speed_mbps(settings: dict[str, str]) -> int | None:
    """The "Speed" setting in Mb/s; None when absent or not a number ("Unknown!")."""
    match = _SPEED.match(settings.get("Speed", ""))
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class TlsStatus:
    device_id: int
    enabled: bool
    preconfigured: bool
    alarm_threshold_days: int


# One "dev_id:N, tls switch[x] ... tls preconfigured[y] ... tls alarm time threshold[D] days" line,
# searched piece by piece: a single regex with `.*?` between the pieces rescans the rest of the
# line for every "dev_id:" on it, quadratic on a long line of them.
_TLS_SWITCH = re.compile(r"dev_id:\s*(\d{1,9}),\s*tls switch\[([01])\]", re.ASCII)
_TLS_PRESET = re.compile(r"tls preconfigured\[([01])\]", re.ASCII)
_TLS_ALARM_LABEL = "tls alarm time threshold["
_TLS_ALARM = re.compile(r"tls alarm time threshold\[(\d{1,9})\]\s*days", re.ASCII)


def parse_tls_switch(text: str) -> TlsStatus:
    """`hccn_tool -i N -tls -g | grep switch`: the one-line TLS summary."""
    searched_to = -1   # the end of the last line whose tail had no preconfigured/alarm pieces
    for switch in _TLS_SWITCH.finditer(text):
        if switch.end() <= searched_to:
            continue
        line_end = _line_end(text, switch.end())
        rest = _tls_rest(text, switch.end(), line_end)
        if rest is not None:
            (device_id, enabled), (preset, days) = switch.groups(), rest
            return TlsStatus(int(device_id), enabled == "1", preset == "1", int(days))
        searched_to = line_end
    raise ParseError("no 'dev_id:N, tls switch[..]' line in hccn_tool tls output", text)


def _line_end(text: str, at: int) -> int:
    end = text.find("\n", at)
    return len(text) if end < 0 else end


def _tls_rest(text: str, start: int, line_end: int) -> tuple[str, str] | None:
    """The preconfigured flag and alarm days that follow `start` on its line."""
    preset = _TLS_PRESET.search(text, start, line_end)
    if preset is None:
        return None
    at = text.find(_TLS_ALARM_LABEL, preset.end(), line_end)
    while at >= 0:
        alarm = _TLS_ALARM.match(text, at)   # its "\s*days" may go past the line end
        if alarm is not None:
            return preset.group(1), alarm.group(1)
        at = text.find(_TLS_ALARM_LABEL, at + 1, line_end)
    return None


@dataclass(frozen=True)
class PingSummary:
    transmitted: int
    received: int
    loss_percent: float


# The one summary line every ping prints: hccn_tool's "3 packets transmitted, 3 received, 0.00% packet loss",
# iputils' "3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2049ms", busybox's
# "1 packets transmitted, 1 packets received, 0% packet loss".
_ANY_PING_SUMMARY = re.compile(
    r"^(\d{1,18}) packets transmitted, (\d{1,18})(?: packets)? received,"
    r"(?: \+\d{1,18} (?:errors?|duplicates?),)* (\d{1,3}(?:\.\d{1,9})?)% packet loss(?:,.*)?$", re.ASCII)


def parse_ping_summary(text: str) -> PingSummary:
    """The summary of any ping's output (hccn_tool `-ping`, iputils or busybox `ping`); other lines are ignored."""
    summaries = {match.groups() for match in map(_ANY_PING_SUMMARY.match, (line.strip() for line in text.splitlines()))
                 if match is not None}
    if len(summaries) != 1:
        raise ParseError("no 'N packets transmitted, M received' summary in ping output" if not summaries
                         else "ping output has several different summaries", text)
    transmitted, received, loss = summaries.pop()
    return PingSummary(int(transmitted), int(received), float(loss))
