"""Each check declares the evidence it reads (Check.evidence): the declaration is what it really reads.

Every check runs on the bundled snapshots under several intents against evidence that records every
key asked for; each key read must be declared, each declared key must be read somewhere, and
without a key declared `needed` the check itself ends in SKIP (so the runner may skip it up front).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path

import pytest

from doctor import recipes, snapshot
from doctor.checks.base import Check
from doctor.checks.catalog import CATALOG
from doctor.checks.runner import decide
from doctor.evidence import Evidence
from doctor.facts import Facts
from doctor.model import SKIP, Intent

EXAMPLES = sorted(p for p in (Path(__file__).resolve().parents[2] / "examples").iterdir() if p.is_dir())


def recipe_stating_memory() -> str:
    return next(n for n in recipes.names() if recipes.load(n).resources.min_hbm_gib_per_chip is not None)


INTENTS = (
    Intent(),
    Intent(tp=2),
    Intent(devices=(0, 1), tp=2, image="quay.io/ascend/vllm-ascend:v0.11.0rc0", own_services=("svc",)),
    Intent(recipe=recipe_stating_memory()),
)


class RecordingEvidence(Evidence):
    """Evidence that remembers every key (or key pattern) a check asks for."""

    def __init__(self, evidence: Evidence) -> None:
        super().__init__(dict(evidence.observations), dict(evidence.meta))
        self.asked: set[str] = set()

    def get(self, key):
        self.asked.add(key)
        return super().get(key)

    def keys_matching(self, pattern):
        self.asked.add(pattern)
        return super().keys_matching(pattern)

    def keys_with_prefix(self, prefix):
        self.asked.add(prefix + "*")
        return super().keys_with_prefix(prefix)


@pytest.fixture(scope="module")
def snapshots() -> list[Evidence]:
    return [snapshot.read(str(path)) for path in EXAMPLES]


def runs(check: Check, snapshots: list[Evidence]):
    """(intent, evidence) of every run where the check applies."""
    return [(intent, evidence) for evidence in snapshots for intent in INTENTS if not check.applies(intent)]


def asked_by(check: Check, evidence: Evidence, intent: Intent) -> set[str]:
    recording = RecordingEvidence(evidence)
    decide(check, Facts(recording), intent)
    return recording.asked


def declared(key: str, check: Check) -> bool:
    return any(fnmatchcase(key, pattern) for pattern in check.evidence.keys)


@pytest.mark.parametrize("check", CATALOG, ids=[c.code for c in CATALOG])
def test_every_key_a_check_reads_is_declared(check, snapshots):
    for intent, evidence in runs(check, snapshots):
        undeclared = sorted(k for k in asked_by(check, evidence, intent) if not declared(k, check))
        assert not undeclared, f"{check.code} reads {undeclared} without declaring them ({intent})"


@pytest.mark.parametrize("check", CATALOG, ids=[c.code for c in CATALOG])
def test_every_declared_key_is_read(check, snapshots):
    asked = set().union(*(asked_by(check, evidence, intent) for intent, evidence in runs(check, snapshots)))
    unread = [p for p in check.evidence.keys if not any(fnmatchcase(k, p) for k in asked)]
    assert not unread, f"{check.code} declares {unread} but never reads them"


def without(evidence: Evidence, pattern: str) -> Evidence:
    kept = {k: o for k, o in evidence.observations.items() if not fnmatchcase(k, pattern)}
    return Evidence(kept, dict(evidence.meta))


@pytest.mark.parametrize("check", [c for c in CATALOG if c.evidence.needed],
                         ids=[c.code for c in CATALOG if c.evidence.needed])
def test_without_a_needed_key_the_check_skips_by_itself(check, snapshots):
    for pattern in check.evidence.needed:
        for intent, evidence in runs(check, snapshots):
            outcome = decide(check, Facts(without(evidence, pattern)), intent)
            assert outcome.status == SKIP, f"{check.code} without {pattern}: {outcome}"


def test_explain_lists_the_evidence_a_check_reads(cli):
    ran = cli("explain", "DEV006")
    section = ran.out[ran.out.index("## Evidence it reads"):]
    assert "`npu-smi info`" in section and "`npu-processes`" in section and "`docker ps`" in section
