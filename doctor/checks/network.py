"""NET: HCCL settings and the chips' RoCE links, for tensor parallel."""

from __future__ import annotations

import ipaddress

from doctor.checks.base import Check, failed, needs_tp, passed, reads, skipped, warned
from doctor.evidence import MISSING
from doctor.evidence_keys import ANY, ENV, INTERFACES, NPU_SMI_INFO, hccn_device, hccn_key
from doctor.facts import Facts, Undecided
from doctor.model import ERROR, SKIP, Intent
from doctor.parsers import hccn
from doctor.parsers.errors import ParseError

# CANN's HCCL documentation: HOST_TS exists from CANN 8.2.RC1; 310P (300I Duo) has no AIV.
EXPANSION_MODES = ("AIV", "AI_CPU", "HOST", "HOST_TS")
MODES_310P = ("AI_CPU", "HOST")
PREFIX_LIST_VARS = ("HCCL_SOCKET_IFNAME", "TP_SOCKET_IFNAME")   # NCCL-style: prefixes, ^ and = for the whole list
EXACT_LIST_VARS = ("GLOO_SOCKET_IFNAME",)                       # gloo: each entry an exact interface name


def _is_310p(facts: Facts) -> bool:
    try:
        return any(c.name.upper().startswith("310P") for c in facts.npu_info().chips)
    except Undecided:
        return False


def check_expansion_mode(facts: Facts, intent: Intent):
    value = facts.env().get("HCCL_OP_EXPANSION_MODE")
    allowed = MODES_310P if _is_310p(facts) else EXPANSION_MODES
    advice = "AI_CPU" if allowed is MODES_310P else "AIV"
    fix = f'export HCCL_OP_EXPANSION_MODE="{advice}"'
    if value is None:
        return warned(f"HCCL_OP_EXPANSION_MODE is not set; the vllm-ascend tensor-parallel guides set {advice}",
                      "HCCL_OP_EXPANSION_MODE unset", fix)
    if value not in allowed:
        # HCCL falls back to its default for a mode it does not know, so this runs, slower than intended.
        return warned(f"HCCL_OP_EXPANSION_MODE={value} is not a mode this chip supports ({', '.join(allowed)}); "
                      "HCCL ignores it", f"HCCL_OP_EXPANSION_MODE={value}", fix)
    return passed(f"HCCL_OP_EXPANSION_MODE={value}", f"HCCL_OP_EXPANSION_MODE={value}")


def check_interfaces(facts: Facts, intent: Intent):
    env = facts.env()
    interfaces = {k: v for k, v in facts.table(INTERFACES).items() if isinstance(v, dict)}
    problems, seen = [], []
    if "HCCL_IF_IP" in env:
        seen.append(f"HCCL_IF_IP={env['HCCL_IF_IP']}")
        problems += _if_ip_problems(env["HCCL_IF_IP"], interfaces)
    for var in (*PREFIX_LIST_VARS, *EXACT_LIST_VARS):
        if var in env:
            seen.append(f"{var}={env[var]}")
            problems += [f"{var}: {p}" for p in _ifname_problems(env[var], interfaces, var in EXACT_LIST_VARS)]
    if not seen:
        return skipped("no HCCL_IF_IP / *_SOCKET_IFNAME set; HCCL and gloo pick an interface themselves")
    names = ", ".join(f"{n} ({'up' if d.get('up') else 'down'}: {' '.join(d.get('ipv4') or []) or 'no IPv4'})"
                      for n, d in sorted(interfaces.items()))
    evidence = "; ".join(seen) + "\ninterfaces: " + names
    if problems:
        return failed("; ".join(problems), evidence,
                      "Name an interface that exists and is up (`ip -br addr`), e.g. "
                      "export HCCL_SOCKET_IFNAME=eth0 GLOO_SOCKET_IFNAME=eth0, and an HCCL_IF_IP it owns.")
    return passed("HCCL/gloo interface settings name interfaces and addresses of this host", evidence)


def _if_ip_problems(value: str, interfaces: dict) -> list[str]:
    try:
        address = str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return [f"HCCL_IF_IP={value} is not an IP address"]
    owners = [n for n, d in interfaces.items() if address in (d.get("ipv4") or []) + (d.get("ipv6") or [])]
    return [] if owners else [f"HCCL_IF_IP={address} is not an address of any interface here"]


def selected_interfaces(value: str, names, exact: bool) -> list[str]:
    """The interfaces a list selects. A leading `^` (exclude) or `=` (exact names) applies to
    the whole list, as HCCL and NCCL read it: `eth,ib` prefixes, `=eth0`, `^docker,lo`, `^=eth1`."""
    text = value.strip()
    exclude = text.startswith("^")
    text = text[1:] if exclude else text
    exact = exact or text.startswith("=")
    text = text[1:] if text.startswith("=") else text
    specs = [s.strip() for s in text.split(",") if s.strip()]

    def hit(name: str) -> bool:
        return any(name == s if exact else name.startswith(s) for s in specs)

    return [n for n in names if hit(n) != exclude]


def _ifname_problems(value: str, interfaces: dict, exact: bool) -> list[str]:
    if not value.strip().lstrip("^="):
        return ["empty"]
    matched = selected_interfaces(value, interfaces, exact)
    if not matched:
        return [f"'{value}' matches no interface"]
    down = [n for n in matched if interfaces[n].get("up") is False]
    return [f"{', '.join(down)} is down"] if len(down) == len(matched) else []


def _tp_devices(facts: Facts, intent: Intent, query: str) -> list[int]:
    """The intended devices, else every device the query was asked of."""
    if intent.devices is not None:
        return list(intent.devices)
    devices = (hccn_device(key, query) for key in facts.evidence.keys_matching(hccn_key(ANY, query)))
    return sorted({d for d in devices if d is not None})


def _hccn_states(facts: Facts, intent: Intent, query: str, parser) -> dict[int, str]:
    devices = _tp_devices(facts, intent, query)
    if not devices:
        raise Undecided(SKIP, "no hccn_tool evidence for any device; run `ascend-doctor collect` on the host")
    states = {}
    for device in devices:
        obs = facts.observation(hccn_key(device, query))
        if obs.status == MISSING:
            raise Undecided(SKIP, "hccn_tool not found (it lives on the host under "
                            "/usr/local/Ascend/driver/tools; run the doctor on the host)")
        try:
            states[device] = parser(facts.output(hccn_key(device, query)))
        except ParseError as exc:
            raise Undecided(ERROR, f"could not read `{hccn_key(device, query)}`: {exc.reason}", exc.excerpt) from exc
    return states


def check_links(facts: Facts, intent: Intent):
    states = _hccn_states(facts, intent, "-link", hccn.parse_link_status)
    evidence = "; ".join(f"device {d}: link {s}" for d, s in states.items())
    down = [d for d, s in states.items() if s.upper() != "UP"]
    if down:
        return failed(f"link down on device(s) {', '.join(map(str, down))}", evidence,
                      "Check cables/optics (`hccn_tool -i N -optical -g`), the link history "
                      "(`hccn_tool -i N -link_stat -g`), and the switch port; pick chips with links up.")
    return passed(f"links up on {len(states)} device(s)", evidence)


def check_net_health(facts: Facts, intent: Intent):
    states = _hccn_states(facts, intent, "-net_health", hccn.parse_net_health)
    evidence = "; ".join(f"device {d}: {s}" for d, s in states.items())
    bad = [d for d, s in states.items() if s != "Success"]
    if bad:
        return failed(f"net health not Success on device(s) {', '.join(map(str, bad))}", evidence,
                      "Check the detection address (`hccn_tool -i N -netdetect -g`), the device IPs "
                      "(`hccn_tool -i N -ip -g`) and /etc/hccn.conf; the gateway must answer.")
    return passed(f"net health Success on {len(states)} device(s)", evidence)


CHECKS = [
    Check("NET001", "hccl-expansion-mode", "HCCL_OP_EXPANSION_MODE is set to a known mode for tensor parallel",
          check_expansion_mode, applies=needs_tp, evidence=reads(ENV, optional=(NPU_SMI_INFO,))),
    Check("NET002", "hccl-interface-missing", "HCCL_IF_IP and *_SOCKET_IFNAME name addresses and interfaces here",
          check_interfaces, evidence=reads(ENV, INTERFACES)),
    Check("NET003", "hccn-link-down", "the RoCE link of each chip in use is UP", check_links, applies=needs_tp,
          evidence=reads(hccn_key(ANY, "-link"))),
    Check("NET004", "hccn-net-unhealthy", "net_health of each chip in use is Success", check_net_health,
          applies=needs_tp, evidence=reads(hccn_key(ANY, "-net_health"))),
]
