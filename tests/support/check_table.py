"""Run one check on observations given directly, no simulated host: a check test becomes a table
of evidence -> status. Simulated hosts (tests/support/doctor_run.py) stay for the end-to-end tests."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from doctor.checks.catalog import by_code
from doctor.checks.runner import run_one
from doctor.evidence import MISSING, OK, Evidence, Observation
from doctor.facts import Facts
from doctor.model import Intent, Outcome

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

# What an observation may be given as: text (a command's output or a file's content), a dict or list
# (JSON evidence such as `env` or `paths`), or a whole Observation (a failed probe).
Given = str | dict | list | Observation


def observation(key: str, value: Given) -> Observation:
    if isinstance(value, Observation):
        return value
    if isinstance(value, (dict, list)):
        return Observation(key, "json", OK, output=json.dumps(value))
    kind = "file" if key.startswith("file:") else "command"
    return Observation(key, kind, OK, output=value, exit_code=0 if kind == "command" else None)


def absent(key: str, detail: str = "") -> Observation:
    """A probe that found nothing: the file, the binary or the directory does not exist."""
    kind = "file" if key.startswith("file:") else "command"
    return Observation(key, kind, MISSING, detail=detail or f"{key} does not exist")


def evidence_of(observations: Mapping[str, Given]) -> Evidence:
    evidence = Evidence()
    for key, value in observations.items():
        evidence.add(observation(key, value))
    return evidence


def run_check(code: str, observations: Mapping[str, Given], intent: Intent = Intent()) -> Outcome:
    """The outcome of one check, as the runner decides it, on exactly these observations."""
    check = by_code(code)
    assert check is not None, f"no check {code}"
    return run_one(check, Facts(evidence_of(observations)), intent)


def fixture(name: str) -> str:
    """A captured output from tests/fixtures, e.g. "npu-smi-info/blog-800IA2-910B4-x8-25.0.rc1.1.txt"."""
    return (FIXTURES / name).read_text(encoding="utf-8")
