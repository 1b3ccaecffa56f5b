"""The report for people: the verdict first, then what is wrong with its evidence and fix, then one
line per phase for what passed. `--verbose` lists every check under its phase.

Readable at 80 columns and without colour: every status is also a word, colour only repeats it.
"""

from __future__ import annotations

from doctor.checks.base import PHASES
from doctor.model import ERROR, FAIL, PASS, SKIP, WARN, Finding
from doctor.printable import printable

STYLES = {PASS: "green", WARN: "yellow", FAIL: "bold red", SKIP: "dim", ERROR: "magenta"}
PROBLEMS = (FAIL, ERROR, WARN)           # shown first, in this order
LABEL_WIDTH = 5                          # "ERROR"
INDENT = " " * (LABEL_WIDTH + 2)


def render(report, console, verbose: bool = False) -> None:
    from rich.text import Text

    console.print(Text(report.summary_line(), style=_verdict_style(report.exit_status)))
    problems = sorted((f for f in report.findings if f.status in PROBLEMS), key=lambda f: PROBLEMS.index(f.status))
    for finding in problems:
        console.print()
        _print_problem(console, finding)
    console.print()
    for phase in dict.fromkeys(PHASES.values()):
        rows = [f for f in report.findings if f.phase == phase]
        if rows:
            console.print(_phase_line(phase, rows, _marks(console)))
            if verbose:
                _print_phase_checks(console, rows)


def _verdict_style(status) -> str:
    from doctor.exit_codes import ExitStatus

    return {ExitStatus.OK: "bold green", ExitStatus.FAILED: "bold red"}.get(status, "bold magenta")


def _print_problem(console, finding: Finding) -> None:
    from rich.text import Text

    label = f"{finding.status:<{LABEL_WIDTH}}  "
    first, *rest = _wrap(f"{finding.code} {finding.name}: {printable(finding.summary)}", console.width, label)
    head = Text()
    head.append(label, style=STYLES[finding.status])
    head.append(first[len(label):])
    console.print(head)
    for line in rest:
        console.print(Text(line))
    for line in printable(finding.evidence).splitlines():
        _print_wrapped(console, line, "dim")
    if finding.fix:
        _print_wrapped(console, f"fix: {printable(finding.fix)}")
    _print_wrapped(console, f"more: ascend-doctor explain {finding.code}", "dim")


def _print_wrapped(console, text: str, style: str = "", indent: str = INDENT) -> None:
    from rich.text import Text

    for line in _wrap(text, console.width, indent, indent):
        console.print(Text(line, style=style))


def _wrap(text: str, width: int, first_indent: str, indent: str = INDENT) -> list[str]:
    """Lines of at most `width` columns (a word longer than that is broken), continued under `indent`."""
    import textwrap

    return textwrap.wrap(text, width=max(width, len(indent) + 20), initial_indent=first_indent,
                         subsequent_indent=indent, break_on_hyphens=False) or [first_indent.rstrip()]


def _marks(console) -> dict[str, str]:
    """A tick and a cross where the terminal can show them, plain words where it cannot."""
    if (console.encoding or "").lower().replace("-", "") in ("utf8", "utf16", "utf32"):
        return {"ok": "✓", "bad": "✗", "warn": "!"}
    return {"ok": "ok", "bad": "x", "warn": "!"}


def _phase_line(phase: str, rows: list[Finding], marks: dict[str, str]):
    from rich.text import Text

    counts = {status: sum(1 for f in rows if f.status == status) for status in (PASS, FAIL, ERROR, WARN, SKIP)}
    decided = len(rows) - counts[SKIP]
    mark, style = ((marks["bad"], "bold red") if counts[FAIL] or counts[ERROR]
                   else (marks["warn"], "yellow") if counts[WARN] else (marks["ok"], "green"))
    line = Text()
    line.append(f"{mark} ", style=style)
    line.append(f"{phase:<12} {counts[PASS]}/{decided} passed")
    rest = [f"{counts[s]} {s.lower()}" for s in (FAIL, ERROR, WARN, SKIP) if counts[s]]
    if rest:
        line.append(" - " + ", ".join(rest), style="dim" if not (counts[FAIL] or counts[ERROR]) else "")
    return line


def _print_phase_checks(console, rows: list[Finding]) -> None:
    from rich.text import Text

    for finding in rows:
        label = f"  {finding.status:<{LABEL_WIDTH}} "
        first, *rest = _wrap(f"{finding.code} {printable(finding.summary)}", console.width, label, " " * len(label))
        line = Text()
        line.append(label, style=STYLES[finding.status])
        line.append(first[len(label):])
        console.print(line)
        for more in rest:
            console.print(Text(more))
        if finding.status in (PASS, SKIP) and finding.evidence:
            for evidence in printable(finding.evidence).splitlines():
                _print_wrapped(console, evidence, "dim", " " * (len(label) + 2))
