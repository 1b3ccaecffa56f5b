"""Run the catalog over collected evidence and turn every outcome into a finding."""

from __future__ import annotations

from collections.abc import Iterable

from doctor.checks.base import Check
from doctor.checks.catalog import CATALOG
from doctor.evidence import Evidence
from doctor.facts import Facts, Undecided, not_collected
from doctor.ignore import Ignore
from doctor.model import ERROR, SKIP, Finding, Intent, Outcome


def run_one(check: Check, facts: Facts, intent: Intent) -> Outcome:
    reason = check.applies(intent)
    if reason:
        return Outcome(SKIP, f"not applicable: {reason}")
    missing = check.evidence.absent_from(facts.evidence.observations)
    if missing:
        return Outcome(SKIP, not_collected(missing))
    return decide(check, facts, intent)


def decide(check: Check, facts: Facts, intent: Intent) -> Outcome:
    """The check's own verdict, whatever the evidence holds."""
    try:
        return check.run(facts, intent)
    except Undecided as exc:
        return Outcome(exc.status, exc.reason, exc.evidence)
    except Exception as exc:  # a bug in a check must not hide the other findings
        return Outcome(ERROR, f"the check itself failed: {type(exc).__name__}: {exc}",
                       fix="Please report this with the snapshot (`ascend-doctor collect -o DIR`).")


def run_checks(evidence: Evidence, intent: Intent, ignore: Iterable[str] = (),
               catalog: Iterable[Check] = CATALOG) -> list[Finding]:
    """Every check's finding, in catalog order; those of `ignore`d checks (or `all`) accepted."""
    facts = Facts(evidence)
    accepted = Ignore(ignore)
    findings = []
    for check in catalog:
        outcome = run_one(check, facts, intent)
        finding = Finding(check.code, check.name, check.phase, outcome.status, outcome.summary,
                          outcome.evidence, outcome.fix)
        findings.append(accepted.apply(finding))
    return findings
