"""What diagnose reports: a finding with how sure it is and the lines of the paste it rests on."""

from __future__ import annotations

from dataclasses import dataclass, field

from doctor.model import SEVERITY, Status


@dataclass(frozen=True)
class Quote:
    line: int          # 1-based line of the paste
    text: str

    def shown(self) -> str:
        return f"line {self.line}: {self.text[:300]}"


@dataclass(frozen=True)
class Diagnosis:
    code: str
    name: str
    status: Status
    summary: str
    confidence: float                  # 0..1: how surely the evidence names this cause
    quotes: tuple[Quote, ...] = ()
    fix: str = ""
    origin: str = "signature"          # signature | command | check
    paste_next: tuple[str, ...] = field(default=())

    @property
    def evidence(self) -> str:
        return "\n".join(q.shown() for q in self.quotes)

    @property
    def runbook(self) -> str:
        return f"ascend-doctor explain {self.code}"

    def rank(self) -> tuple:
        return (-SEVERITY[self.status], -self.confidence, self.quotes[0].line if self.quotes else 0)

    def to_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "status": self.status, "summary": self.summary,
                "evidence": self.evidence, "fix": self.fix, "confidence": self.confidence,
                "origin": self.origin, "runbook": self.runbook,
                "quotes": [{"line": q.line, "text": q.text} for q in self.quotes]}
