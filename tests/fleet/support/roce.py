"""The fleet's simulated RoCE plan: every chip of every host has a device IP.

A host's ``/etc/hccn.conf`` lists its chips' addresses, and its ``hccn_tool`` answers
``-i N -ip -g``, ``-i N -tls -g`` and ``-i N -ping -g address IP`` from the plan, in the shape
of real captures (the capture is printed with only the device number and addresses swapped
in). A ping answers when both ends are in the plan's file of reachable addresses, shared by
every host (read-only); otherwise it shows 100% loss. Every other ``hccn_tool`` query replays
the host's own captures (tests/support/simhost.py's replayer, kept beside it).
"""

from __future__ import annotations

import shlex
from pathlib import Path

from tests.support.simhost import fixture

NETMASK = "255.255.255.0"
PING_CAPTURE = "hccn/arthurchiao-910B1-ping-i3.txt"        # device 3 PING ..., 3 replies, 0.00% loss
TLS_CAPTURE = "hccn/mindcluster-doc-tls-grep-switch.txt"    # dev_id:0, tls switch[0](0:disable, 1:enable), ...
IP_CAPTURE = "hccn/arthurchiao-910B1-ip-i3.txt"             # ipaddr:... / netmask:...
PLAN_DIR_IN_HOST = "/run/.fleet-sim"                        # the fleet's shared directory, seen by each host
PLAN_FILE = "roce-reachable"
REPLAYER_NAME = ".hccn_tool-captures"                       # the host's own captures, beside hccn_tool


def device_ip(host_number: int, chip: int) -> str:
    """Chip N of every host shares subnet 192.168.(100+N).0/24, as in the plans of Atlas clusters."""
    return f"192.168.{100 + chip}.{host_number + 1}"


def gateway(chip: int) -> str:
    return f"192.168.{100 + chip}.254"


def hccn_conf(device_ips: dict[int, str]) -> str:
    """/etc/hccn.conf in the shape of a real one (hccn/arthurchiao-910B1-hccn.conf-elided.txt)."""
    lines = []
    for chip, address in device_ips.items():
        lines += [f"address_{chip}={address}", f"netmask_{chip}={NETMASK}", f"netdetect_{chip}={gateway(chip)}",
                  f"gateway_{chip}={gateway(chip)}", f"send_arp_status_{chip}=1"]
    return "\n".join(lines) + "\n"


def reachable_file(device_ips: list[str]) -> str:
    return "".join(f"{address}\n" for address in sorted(device_ips))


def hccn_tool_script(device_ips: dict[int, str], tls_switch: int, replayer: Path, delay_s: float) -> str:
    """The host's hccn_tool: plan answers for -ip/-tls/-ping, its captures for everything else."""
    own_ip_cases = "".join(f"        {chip}) echo {address} ;;\n" for chip, address in device_ips.items())
    ping, tls, ip = (shlex.quote(str(fixture(rel))) for rel in (PING_CAPTURE, TLS_CAPTURE, IP_CAPTURE))
    plan = shlex.quote(f"{PLAN_DIR_IN_HOST}/{PLAN_FILE}")
    return f"""#!/bin/sh
# hccn_tool of a simulated host: -ip, -tls and -ping answer from the fleet's RoCE plan in the
# shape of real captures; every other query replays this host's own captures.
replay() {{ exec {shlex.quote(str(replayer))} "$@"; }}
own_ip() {{
    case "$1" in
{own_ip_cases}        *) return 1 ;;
    esac
}}
reachable() {{ /bin/grep -qxF "$1" {plan} 2>/dev/null; }}
answer_ping() {{
    case "$2" in ""|*[!0-9.]*) replay -i "$1" -ping -g address "$2" ;; esac
    if reachable "$(own_ip "$1")" && reachable "$2"; then
        /bin/sed -e "1s/^device [0-9]* PING .*/device $1 PING $2/" {ping}
    else
        printf 'device %s PING %s\\n3 packets transmitted, 0 received, 100.00%% packet loss\\n' "$1" "$2"
    fi
}}
[ "$1" = -i ] && own_ip "$2" >/dev/null || replay "$@"
device=$2
shift 2
case "$#:$*" in
    "2:-ip -g"|"2:-tls -g"|"4:-ping -g address "*) {f"/bin/sleep {delay_s}" if delay_s else ":"} ;;
esac
case "$#:$*" in
    "2:-ip -g")
        /bin/sed -e "s/^ipaddr:.*/ipaddr:$(own_ip "$device")/" -e "s/^netmask:.*/netmask:{NETMASK}/" {ip} ;;
    "2:-tls -g")
        /bin/sed -e "s/^dev_id:[0-9]*,/dev_id:$device,/" -e "s/tls switch\\[[01]\\]/tls switch[{int(tls_switch)}]/" {tls} ;;
    "4:-ping -g address "*)
        answer_ping "$device" "$4" ;;
    *)
        replay -i "$device" "$@" ;;
esac
"""
