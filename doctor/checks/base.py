"""What a check is, what it returns, and what it is told about the intended deployment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

PASS, WARN, FAIL, SKIP, ERROR = "PASS", "WARN", "FAIL", "SKIP", "ERROR"
STATUSES = (PASS, WARN, FAIL, SKIP, ERROR)
SEVERITY = {FAIL: 4, ERROR: 3, WARN: 2, PASS: 1, SKIP: 0}   # which outcome is worse, where several meet

# Report order; each code's prefix names its phase.
PHASES = {"DEV": "devices", "DRV": "driver", "CANN": "cann", "ENV": "environment",
          "NET": "network", "SVC": "service"}


@dataclass(frozen=True)
class Intent:
    """The deployment the host is being checked for; narrows what applies."""

    devices: tuple[int, ...] | None = None
    tp: int = 1
    image: str | None = None
    recipe: str | None = None
    own_services: tuple[str, ...] = ()     # services this deployment runs itself (container label)


@dataclass(frozen=True)
class Outcome:
    status: str
    summary: str
    evidence: str = ""
    fix: str = ""


@dataclass(frozen=True)
class Check:
    code: str                                   # "DEV001"
    name: str                                   # "device-nodes-missing"
    title: str                                  # one line: what it makes sure of
    run: Callable[..., Outcome]                 # run(facts, intent) -> Outcome
    applies: Callable[[Intent], str | None] = lambda intent: None   # a reason it does not apply, or None
    evidence: tuple[str, ...] = ()              # the evidence keys it reads (for explain and SKIP hints)

    @property
    def phase(self) -> str:
        return PHASES[self.code.rstrip("0123456789")]

    @property
    def ref(self) -> str:
        return f"{self.code} {self.name}"


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    phase: str
    status: str
    summary: str
    evidence: str = ""
    fix: str = ""
    ignored: bool = False

    def ignore(self) -> Finding:
        if self.status != FAIL:
            return self
        return replace(self, status=WARN, ignored=True, summary=self.summary + " (ignored by --ignore)")

    def to_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "phase": self.phase, "status": self.status,
                "summary": self.summary, "evidence": self.evidence, "fix": self.fix, "ignored": self.ignored}


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
