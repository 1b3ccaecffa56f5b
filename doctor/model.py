"""The types every layer shares: result statuses, the intended deployment, an outcome and a finding.

It imports nothing of the package, so facts, checks, reports and the fleet can all build on it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum


class Status(str, Enum):
    """A check's result. A str, so JSON and comparisons see the plain word ("PASS")."""

    PASS = "PASS"
    WARN = "WARN"      # works, but not as recommended
    FAIL = "FAIL"      # will break
    SKIP = "SKIP"      # does not apply, or its evidence is absent
    ERROR = "ERROR"    # could not decide

    __str__ = str.__str__
    __format__ = str.__format__


PASS, WARN, FAIL, SKIP, ERROR = Status.PASS, Status.WARN, Status.FAIL, Status.SKIP, Status.ERROR
STATUSES = (PASS, WARN, FAIL, SKIP, ERROR)
SEVERITY = {FAIL: 4, ERROR: 3, WARN: 2, PASS: 1, SKIP: 0}   # which outcome is worse, where several meet
# What --ignore reports as a WARN: the statuses that decide the exit code (1 and 3) and stop a deploy.
STOPPING = (FAIL, ERROR)


def ignored_summary(status: str, summary: str) -> str:
    return f"{summary} ({status} ignored by --ignore)"


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
    status: Status
    summary: str
    evidence: str = ""
    fix: str = ""


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    phase: str
    status: Status
    summary: str
    evidence: str = ""
    fix: str = ""
    ignored: bool = False      # --ignore named the check and turned its FAIL or ERROR into this WARN

    def ignore(self) -> Finding:
        if self.status not in STOPPING:
            return self
        return replace(self, status=WARN, ignored=True, summary=ignored_summary(self.status, self.summary))

    def to_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "phase": self.phase, "status": self.status,
                "summary": self.summary, "evidence": self.evidence, "fix": self.fix, "ignored": self.ignored}
