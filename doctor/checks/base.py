"""What a check is: its code, what it makes sure of, when it applies, and the evidence it reads."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from doctor.evidence_keys import ANY
from doctor.model import FAIL, PASS, SKIP, WARN, Intent, Outcome

# Report order; each code's prefix names its phase.
PHASES = {"DEV": "devices", "DRV": "driver", "CANN": "cann", "ENV": "environment",
          "NET": "network", "SVC": "service"}


@dataclass(frozen=True)
class Reads:
    """The evidence keys a check reads; `*` in a key stands for the part that varies (a device).

    Without one of its `needed` keys a check cannot decide: the runner SKIPs it and names what is
    missing. `optional` keys add to what it can say, and their absence is itself a finding or a SKIP
    the check words.
    """

    needed: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        return self.needed + self.optional

    def absent_from(self, collected: Collection[str]) -> list[str]:
        """The needed keys (or patterns) that no collected key fits."""
        return [key for key in self.needed if not _collected(key, collected)]


def _collected(key: str, collected: Collection[str]) -> bool:
    if ANY not in key:
        return key in collected
    return any(fnmatchcase(c, key) for c in collected)


def reads(*needed: str, optional: tuple[str, ...] = ()) -> Reads:
    return Reads(tuple(needed), tuple(optional))


@dataclass(frozen=True)
class Check:
    code: str                                   # "DEV001"
    name: str                                   # "device-nodes-missing"
    title: str                                  # one line: what it makes sure of
    run: Callable[..., Outcome]                 # run(facts, intent) -> Outcome
    applies: Callable[[Intent], str | None] = lambda intent: None   # a reason it does not apply, or None
    evidence: Reads = field(default_factory=Reads)   # the evidence keys it reads (explain, SKIP hints)

    @property
    def phase(self) -> str:
        return PHASES[self.code.rstrip("0123456789")]

    @property
    def ref(self) -> str:
        return f"{self.code} {self.name}"


def passed(summary: str, evidence: str = "") -> Outcome:
    return Outcome(PASS, summary, evidence)


def warned(summary: str, evidence: str = "", fix: str = "") -> Outcome:
    return Outcome(WARN, summary, evidence, fix)


def failed(summary: str, evidence: str = "", fix: str = "") -> Outcome:
    return Outcome(FAIL, summary, evidence, fix)


def skipped(summary: str, evidence: str = "") -> Outcome:
    return Outcome(SKIP, summary, evidence)


def needs_tp(intent: Intent) -> str | None:
    return None if intent.tp > 1 else "only for tensor parallel (--tp 2 or more)"
