"""Error signatures (doctor/data/signatures.json) matched against a paste.

A signature's regex runs only when its literal needle is in the text (a C-speed substring test), so
a 10 MB log that shows none of them costs one `in` per needle.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources

from doctor.diagnose.extract import Paste
from doctor.diagnose.findings import Diagnosis, Quote
from doctor.model import Status

MAX_QUOTES = 3


@dataclass(frozen=True)
class Signature:
    code: str
    name: str
    title: str
    status: Status
    confidence: float
    patterns: tuple[tuple[str, re.Pattern], ...]    # (needle, regex)
    root_cause: str
    fix: str
    why: str
    paste_next: tuple[str, ...]
    false_positives: str
    sources: tuple[dict, ...]

    def quotes(self, paste: Paste) -> list[Quote]:
        found: dict[int, Quote] = {}
        for needle, regex in self.patterns:
            if needle not in paste.text:
                continue
            for match in regex.finditer(paste.text):
                line = paste.line_of(match.start())
                found.setdefault(line, Quote(line, paste.line_at(match.start()).strip()))
                if len(found) >= MAX_QUOTES:
                    break
        return sorted(found.values(), key=lambda q: q.line)[:MAX_QUOTES]


def _signature(entry: dict) -> Signature:
    return Signature(
        code=entry["code"], name=entry["name"], title=entry["title"], status=Status(entry["status"]),
        confidence=float(entry["confidence"]),
        patterns=tuple((p["needle"], re.compile(p["regex"])) for p in entry["patterns"]),
        root_cause=entry["root_cause"], fix=entry["fix"], why=entry["why"],
        paste_next=tuple(entry["paste_next"]), false_positives=entry["false_positives"],
        sources=tuple(entry["sources"]))


@functools.lru_cache(maxsize=1)
def signatures() -> tuple[Signature, ...]:
    text = resources.files("doctor").joinpath("data", "signatures.json").read_text(encoding="utf-8")
    return tuple(_signature(e) for e in json.loads(text)["signatures"])


def by_code(code: str) -> Signature | None:
    wanted = code.strip()
    return next((s for s in signatures() if s.code == wanted.upper() or s.name == wanted.lower()), None)


def match(paste: Paste) -> list[Diagnosis]:
    found = []
    for sig in signatures():
        quotes = sig.quotes(paste)
        if quotes:
            found.append(Diagnosis(sig.code, sig.name, sig.status, f"{sig.title}: {sig.root_cause}",
                                   sig.confidence, tuple(quotes), sig.fix, "signature", sig.paste_next))
    return found
