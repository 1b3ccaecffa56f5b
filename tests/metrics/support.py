"""Reports for the metrics tests: the bundled examples, and findings with hostile text."""

from __future__ import annotations

import os
import re
from pathlib import Path

from doctor.checks.runner import run_checks
from doctor.metrics.samples import HostRun
from doctor.model import Finding, Intent, Status
from doctor.report import Report
from doctor.snapshot import read

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
GOLDEN = REPO / "tests" / "golden" / "metrics"
EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.iterdir() if (p / "manifest.json").is_file())
# Lines that differ from run to run: the time and the version.
VOLATILE = re.compile(r"^(ascend_doctor_last_run_timestamp_seconds|ascend_doctor_build_info)\b.*$", re.M)


def example_run(name: str, host: str | None = None) -> HostRun:
    evidence = read(str(EXAMPLES / name))
    report = Report(run_checks(evidence, Intent(), []), Intent(), str(EXAMPLES / name))
    return HostRun(host, report, evidence)


def finding(code: str, status: Status, name: str = "chip-unhealthy", phase: str = "devices") -> Finding:
    return Finding(code=code, name=name, phase=phase, status=status, summary=f"{code} {status}")


def hostile_run(host: str | None = None) -> HostRun:
    """Label values a garbled snapshot or inventory could carry: quotes, backslashes, newlines."""
    odd = 'chip "0"\\ok\nnext line\t}{,=\u00e9\udc80'
    findings = [finding("DEV004", Status.FAIL, name=odd, phase="devices"), finding("DEV001", Status.PASS)]
    return HostRun(host, Report(findings, Intent(), "test"), None)


def updating() -> bool:
    return os.environ.get("UPDATE_GOLDEN") == "1"
