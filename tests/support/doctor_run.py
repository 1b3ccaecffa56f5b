"""Run the real pipeline (collect -> checks) against a simulated host."""

from __future__ import annotations

from pathlib import Path

from doctor.model import Intent
from doctor.checks.runner import run_checks
from doctor.probes.plan import Options, collect
from tests.support import simhost


def findings_for(root: Path, spec: simhost.HostSpec, intent: Intent | None = None, timeout: float = 5.0,
                 ignore=()) -> dict:
    simhost.build(root, spec)
    intent = intent or Intent()
    options = Options(root=str(root), devices=intent.devices, timeout=timeout, env=simhost.probe_env(root, spec))
    evidence = collect(options)
    return {f.code: f for f in run_checks(evidence, intent, ignore)}
