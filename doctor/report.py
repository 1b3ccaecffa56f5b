"""The verdict: counts, exit status, the summary line, and the table or JSON that show it."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from doctor import __version__
from doctor.exit_codes import ExitStatus
from doctor.model import ERROR, FAIL, STATUSES, Finding, Intent

SCHEMA = "ascend-doctor-report/1"
VERDICTS = {ExitStatus.OK: "ready", ExitStatus.FAILED: "not ready", ExitStatus.UNDECIDED: "undecided",
            ExitStatus.INTERRUPTED: "interrupted"}


@dataclass
class Report:
    findings: list[Finding]
    intent: Intent = field(default_factory=Intent)
    source: str = "live"          # "live" or the snapshot directory

    @property
    def counts(self) -> Counter:
        return Counter(f.status for f in self.findings)

    @property
    def exit_status(self) -> ExitStatus:
        # A definite failure outranks an undecided check: the host needs fixing either way.
        if self.counts[FAIL]:
            return ExitStatus.FAILED
        if self.counts[ERROR]:
            return ExitStatus.UNDECIDED
        return ExitStatus.OK

    @property
    def verdict(self) -> str:
        return VERDICTS[self.exit_status]

    def summary_line(self) -> str:
        parts = ", ".join(f"{self.counts[s]} {s.lower()}" for s in STATUSES if self.counts[s])
        return f"{self.verdict}: {parts or 'no checks ran'} ({len(self.findings)} checks)"

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_dict(self) -> dict:
        return {
            "schema": SCHEMA,
            "doctor_version": __version__,
            "source": self.source,
            "intent": {"devices": list(self.intent.devices) if self.intent.devices is not None else None,
                       "tp": self.intent.tp, "image": self.intent.image, "recipe": self.intent.recipe,
                       "own_services": list(self.intent.own_services)},
            "summary": {s.lower(): self.counts[s] for s in STATUSES},
            "exit_code": int(self.exit_status),
            "findings": [f.to_dict() for f in self.findings],
        }

    def render(self, console, verbose: bool = False) -> None:
        from doctor import report_view

        report_view.render(self, console, verbose)
