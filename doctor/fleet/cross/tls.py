"""FLEET004 tls-switch-mismatch: the NPU ports' TLS switch is the same on every node that talks to another."""

from __future__ import annotations

from doctor.evidence import Evidence
from doctor.evidence_keys import hccn_key
from doctor.facts import Facts
from doctor.fleet.cross.base import HostView, Verdict, conclude, first_of_each, hosts_in, read_each, scopes, skew
from doctor.fleet.cross.chips import devices_queried
from doctor.parsers import hccn

VERDICT = Verdict("FLEET004", "tls-switch-mismatch")
FIX = ("Set the same TLS switch on every chip of every node that must talk to each other, e.g. "
       "`hccn_tool -i N -tls -s enable 0` on each chip (or `enable 1` everywhere, with the certificates "
       "in place), then check with `hccn_tool -i N -tls -g | grep switch`.")


def tls_state(evidence: Evidence) -> str | None:
    """"enabled", "disabled", or which chips are which when a host mixes them."""
    facts = Facts(evidence)
    enabled = {device: facts.parsed(hccn_key(device, "-tls"), hccn.parse_tls_switch).enabled
               for device in devices_queried(evidence, "-tls")}
    if not enabled:
        return None
    on = [str(d) for d, state in enabled.items() if state]
    off = [str(d) for d, state in enabled.items() if not state]
    if not off:
        return "enabled"
    if not on:
        return "disabled"
    return f"enabled on chips {','.join(on)} and disabled on {','.join(off)}"


def check_tls_switch(hosts: list[HostView]) -> list:
    if len(hosts) < 2:
        return VERDICT.skipped("only one host")
    where = scopes(hosts)
    if not where:
        return VERDICT.skipped("no cluster or inventory group with two or more hosts to compare")
    states, unreadable = read_each(hosts_in(where), tls_state)
    keyed, compared = [], {}
    for scope in where:
        mine = {name: states[name] for name in scope.names if name in states}
        if len(mine) >= 2:
            compared.update(mine)
            found = skew(VERDICT, scope, "TLS switch", mine, FIX)
            keyed += [found] if found else []
    passed = (f"the TLS switch of the NPU ports is the same within each cluster and group ({len(compared)} hosts)"
              if compared else None)
    return conclude(VERDICT, first_of_each(keyed), unreadable, "the TLS switch", passed,
                    "no hccn_tool -tls evidence on two hosts of a cluster or group", compared)


CHECK = VERDICT.check("the NPU ports' TLS switch is the same on every node of a cluster", check_tls_switch)
