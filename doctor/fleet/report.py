"""The fleet's verdict: a row per host with the worst status of each phase, each failure once with
the hosts it hit, the cross-host findings, and the same as JSON (schema ascend-doctor-fleet/1)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from doctor import __version__
from doctor.checks.base import PHASES
from doctor.exit_codes import ExitStatus
from doctor.model import ERROR, FAIL, PASS, SEVERITY, SKIP, WARN, Finding
from doctor.printable import printable
from doctor.report import VERDICTS, Report
from doctor.report_view import STYLES

SCHEMA = "ascend-doctor-fleet/1"
HOSTS_SHOWN = 8


@dataclass(frozen=True)
class HostRow:
    name: str
    report: Report | None = None
    error: str | None = None

    @property
    def reachable(self) -> bool:
        return self.report is not None


@dataclass
class FleetReport:
    hosts: list[HostRow]
    fleet_findings: list = field(default_factory=list)     # doctor.fleet.cross_checks.FleetFinding
    interrupted: bool = False

    @property
    def exit_status(self) -> ExitStatus:
        if self.interrupted:
            return ExitStatus.INTERRUPTED
        statuses = [f.status for f in self._all_findings()]
        if FAIL in statuses:
            return ExitStatus.FAILED
        if ERROR in statuses or any(not h.reachable for h in self.hosts):
            return ExitStatus.UNDECIDED
        return ExitStatus.OK

    def _all_findings(self):
        for host in self.hosts:
            yield from host.report.findings if host.report else ()
        yield from self.fleet_findings

    def summary_line(self) -> str:
        answered = sum(h.reachable for h in self.hosts)
        verdict = VERDICTS[self.exit_status]
        failing = sorted({h.name for h in self.hosts if h.report and h.report.counts[FAIL]})
        fleet = Counter(f.status for f in self.fleet_findings)
        return (f"{verdict}: {len(self.hosts)} host(s), {answered} answered, {len(failing)} with failures, "
                f"{len(self.hosts) - answered} unreachable; fleet checks: "
                + (", ".join(f"{fleet[s]} {s.lower()}" for s in (FAIL, ERROR, WARN, PASS, SKIP) if fleet[s]) or "none"))

    def to_dict(self) -> dict:
        return {
            "schema": SCHEMA,
            "doctor_version": __version__,
            "hosts": [{"name": h.name, "reachable": h.reachable, "error": h.error,
                       "report": h.report.to_dict() if h.report else None} for h in self.hosts],
            "fleet_findings": [f.to_dict() for f in self.fleet_findings],
            "interrupted": self.interrupted,
            "exit_code": int(self.exit_status),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def render(self, console) -> None:
        from rich.text import Text

        console.print(self._host_table())
        if any(not h.reachable for h in self.hosts):
            console.print(self._unreachable(), end="")
        for block in grouped_problems(self.hosts):
            console.print(block.render())
        if self.fleet_findings:
            console.print(self._fleet_table())
        style = {ExitStatus.OK: "bold green", ExitStatus.FAILED: "bold red"}.get(self.exit_status, "bold magenta")
        console.print(Text(self.summary_line(), style=style))

    def _host_table(self):
        from rich.table import Table
        from rich.text import Text

        phases = list(dict.fromkeys(PHASES.values()))
        table = Table(title="hosts", title_justify="left")
        for column in ("host", "verdict", *phases):
            table.add_column(column, no_wrap=True)
        for host in self.hosts:
            if not host.reachable:
                table.add_row(Text(printable(host.name)), Text("unreachable", style=STYLES[ERROR]),
                              *["-"] * len(phases))
                continue
            worst = worst_by_phase(host.report.findings)
            table.add_row(Text(printable(host.name)), Text(host.report.verdict),
                          *[Text(worst.get(p, "-"), style=STYLES.get(worst.get(p), "")) for p in phases])
        return table

    def _unreachable(self):
        """Hosts that gave no evidence, one line per reason with the hosts it hit."""
        from rich.text import Text

        reasons: dict[str, list[str]] = {}
        for host in self.hosts:
            if not host.reachable:
                reasons.setdefault(host.error or "no evidence", []).append(host.name)
        text = Text()
        for reason, names in reasons.items():
            text.append(f"UNREACHABLE {len(names)} host(s): {printable(_listed(names))}\n", style=STYLES[ERROR])
            text.append(f"  {printable(reason)}\n")
        return text

    def _fleet_table(self):
        from rich.table import Table
        from rich.text import Text

        table = Table(title="across hosts", title_justify="left", show_lines=True, expand=True)
        for column in ("status", "check", "finding", "fix"):
            table.add_column(column, overflow="fold", ratio=3 if column == "finding" else None)
        for f in self.fleet_findings:
            finding = Text(printable(f.summary))
            if f.evidence and f.status != PASS:
                finding.append("\n" + printable(f.evidence), style="dim")
            table.add_row(Text(f.status, style=STYLES[f.status]), f"{f.code}\n{f.name}", finding,
                          Text(printable(f.fix)))
        return table


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:HOSTS_SHOWN])
    return shown + (f" and {len(names) - HOSTS_SHOWN} more" if len(names) > HOSTS_SHOWN else "")


def worst_by_phase(findings: list[Finding]) -> dict[str, str]:
    worst: dict[str, str] = {}
    for f in findings:
        if SEVERITY[f.status] > SEVERITY.get(worst.get(f.phase), -1):
            worst[f.phase] = f.status
    return worst


@dataclass
class ProblemBlock:
    """One FAIL, ERROR or WARN of one check, with every host it hit."""

    finding: Finding
    hosts: list[str]

    def render(self):
        from rich.text import Text

        f = self.finding
        text = Text(f"{f.status} {f.code} {f.name} on {len(self.hosts)} host(s): {printable(_listed(self.hosts))}\n",
                    style=STYLES[f.status])
        text.append(f"  {printable(f.summary)}\n", style="")
        if f.evidence:
            text.append(f"  {printable(f.evidence)}\n".replace("\n", "\n  ").rstrip() + "\n", style="dim")
        if f.fix:
            text.append(f"  fix: {printable(f.fix)}\n", style="")
        text.append(f"  more: ascend-doctor explain {f.code}", style="dim")
        return text


def grouped_problems(hosts: list[HostRow]) -> list[ProblemBlock]:
    """Each problem once: the same code with the same status and summary on many hosts is one block."""
    blocks: dict[tuple, ProblemBlock] = {}
    for host in hosts:
        for f in host.report.findings if host.report else ():
            if f.status not in (FAIL, ERROR, WARN):
                continue
            key = (f.code, f.status, f.summary)
            blocks.setdefault(key, ProblemBlock(f, [])).hosts.append(host.name)
    return sorted(blocks.values(), key=lambda b: (-SEVERITY[b.finding.status], b.finding.code))
