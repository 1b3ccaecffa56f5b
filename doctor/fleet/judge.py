"""A fleet host's findings: the single-host catalog, run once for each service the inventory gives it.

That is the check the deploy preflight runs; with several services the worst outcome of each
check is kept, and says which service it came from.
"""

from __future__ import annotations

from doctor.checks.runner import run_checks
from doctor.deploy_plan import HostSettings, PlanError, plan
from doctor.evidence import Evidence
from doctor.fleet.inventory import Target
from doctor.model import SEVERITY, Finding, Intent

PLACEHOLDER_IMAGE = "vllm-ascend:unnamed"   # the plan needs a tagged image; the checks get the real one or none


class ServicesError(ValueError):
    """The host's vllm_services cannot be read; the message lists every problem."""


def intents(target: Target) -> list[tuple[str, Intent]]:
    """(service name, intent) per service; one whole-host intent when the host lists none."""
    if not target.services:
        return [("", Intent(image=target.image))]
    try:
        rendered = plan(target.services, HostSettings(image=target.image or PLACEHOLDER_IMAGE))
    except PlanError as exc:
        raise ServicesError("vllm_services: " + "; ".join(exc.problems)) from exc
    own = tuple(s["name"] for s in rendered)
    return [(s["name"], Intent(devices=tuple(s["devices"]), tp=s["tp"], image=target.image, recipe=s["recipe"],
                               own_services=own)) for s in rendered]


def devices_of(target: Target) -> tuple[int, ...] | None:
    """The chips the collector should look at: every service's, or all when the host lists none."""
    try:
        chosen = intents(target)
    except ServicesError:
        return None
    if any(intent.devices is None for _, intent in chosen):
        return None
    return tuple(sorted({d for _, intent in chosen for d in intent.devices}))


def host_findings(evidence: Evidence, target: Target, ignore: list[str]) -> tuple[list[Finding], Intent]:
    chosen = intents(target)
    codes = [*ignore, *target.ignore]
    runs = [(name, run_checks(evidence, intent, codes)) for name, intent in chosen]
    if len(runs) == 1:
        return runs[0][1], chosen[0][1]
    return [_worst(name_findings) for name_findings in zip(*(_named(name, fs) for name, fs in runs))], \
        _combined(chosen)


def _named(name: str, findings: list[Finding]) -> list[tuple[str, Finding]]:
    return [(name, f) for f in findings]


def _worst(candidates: tuple[tuple[str, Finding], ...]) -> Finding:
    name, worst = max(candidates, key=lambda pair: SEVERITY[pair[1].status])
    if len({f.status for _, f in candidates}) == 1:
        return worst
    from dataclasses import replace

    return replace(worst, summary=f"[{name}] {worst.summary}")


def _combined(chosen: list[tuple[str, Intent]]) -> Intent:
    devices = sorted({d for _, i in chosen for d in (i.devices or ())})
    images = {i.image for _, i in chosen}
    return Intent(devices=tuple(devices), tp=max(i.tp for _, i in chosen),
                  image=images.pop() if len(images) == 1 else None, recipe=None,
                  own_services=chosen[0][1].own_services)
