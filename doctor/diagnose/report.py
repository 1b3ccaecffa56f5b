"""diagnose's output: ranked findings as text, or the ascend-doctor-diagnosis/1 document."""

from __future__ import annotations

import json
from collections import Counter

from doctor import __version__
from doctor.diagnose.run import Result
from doctor.exit_codes import ExitStatus
from doctor.model import PASS, SKIP, STATUSES
from doctor.printable import printable

SCHEMA = "ascend-doctor-diagnosis/1"
VERDICTS = {ExitStatus.OK: "no fault named", ExitStatus.FAILED: "fault found", ExitStatus.UNDECIDED: "undecided"}


def to_dict(result: Result) -> dict:
    counts = Counter(f.status for f in result.findings)
    return {
        "schema": SCHEMA,
        "doctor_version": __version__,
        "inputs": [{"name": i.name, "encoding": i.encoding, "bytes": i.size} for i in result.inputs],
        "found": result.found.kinds(),
        "summary": {s.lower(): counts[s] for s in STATUSES},
        "exit_code": int(result.exit_status),
        "findings": [f.to_dict() for f in result.findings],
        "checks": [f.to_dict() for f in result.checks],
        "paste_next": result.paste_next,
    }


def to_json(result: Result) -> str:
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False)


def render(result: Result) -> str:
    lines = [_header(result), ""]
    if not result.findings:
        lines += ["No known fault in what was pasted.", ""]
    for f in result.findings:
        lines += [f"{f.status:<5} {f.code} {f.name}  (confidence {f.confidence:.0%})",
                  *_indented(f.summary), "  evidence:", *_indented(f.evidence or "(none quoted)", "    "),
                  *_indented(f"fix: {f.fix}" if f.fix else ""), f"  runbook: {f.runbook}", ""]
    checked = [f"{c.code} {c.status}" for c in result.checks if c.status in (PASS, SKIP)]
    if checked:
        lines += ["checks on the pasted facts: " + ", ".join(checked), ""]
    if result.paste_next:
        lines += ["paste this next:", *(f"  - {a}" for a in result.paste_next), ""]
    lines.append(f"{VERDICTS[result.exit_status]}: " + (", ".join(
        f"{n} {s.lower()}" for s, n in Counter(f.status for f in result.findings).most_common()) or "no findings"))
    return "\n".join(printable(line) for line in lines)


def _header(result: Result) -> str:
    sizes = sum(i.size for i in result.inputs)
    encodings = ", ".join(sorted({i.encoding for i in result.inputs}))
    kinds = ", ".join(result.found.kinds()) or "nothing recognised"
    return f"read {len(result.inputs)} input(s), {sizes:,} bytes ({encodings}); found: {kinds}"


def _indented(text: str, prefix: str = "  ") -> list[str]:
    return [prefix + line for line in text.split("\n")] if text else []
