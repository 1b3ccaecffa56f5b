"""The check catalog run on what a paste shows: the facts it holds made into evidence, as a snapshot
would hold them, and only the checks a paste can decide.

A paste is partial: an `env` excerpt or an `ls` of two nodes says nothing of what is absent, so checks
that read absence as a fault (DEV001/DEV002, CANN002, NET001) are not run, and DEV006 is not either
(a paste cannot tell whose process holds a chip). Evidence that is not in the paste is never invented:
its checks are SKIPped by the runner, naming what to paste.
"""

from __future__ import annotations

import json

from doctor.checks.catalog import by_code
from doctor.checks.runner import run_checks
from doctor.diagnose.commands import parse_docker_run, parse_vllm_serve
from doctor.diagnose.extract import Extracted, Piece
from doctor.diagnose.findings import Diagnosis, Quote
from doctor.evidence import OK, Evidence, Observation
from doctor.evidence_keys import DRIVER_INFO, ENV, FIRMWARE_INFO, NPU_SMI_INFO, PYTHON_PACKAGES, file_key
from doctor.model import ERROR, FAIL, WARN, Finding, Intent
from doctor.redact import redact_env

PASTE_CHECKS = ("DEV003", "DEV004", "DRV002", "ENV001", "ENV002", "ENV005")
TOOLKIT_INFO = "/usr/local/Ascend/ascend-toolkit/latest/ascend_toolkit_install.info"
CONFIDENCE = {FAIL: 0.8, ERROR: 0.5, WARN: 0.5}
# What to paste for the evidence a SKIPped check lacked.
WANTED = {NPU_SMI_INFO: "`npu-smi info`", file_key(DRIVER_INFO): "`cat /usr/local/Ascend/driver/version.info`",
          file_key(FIRMWARE_INFO): "`cat /usr/local/Ascend/firmware/version.info`",
          PYTHON_PACKAGES: "the collect_env report (vllm-ascend's `python collect_env.py`)"}


def _observation(key: str, text: str, kind: str = "file") -> Observation:
    return Observation(key, kind, OK, output=text, exit_code=0 if kind == "command" else None)


def _packages(found: Extracted) -> dict[str, str]:
    packages = {name: piece.text for name, piece in found.packages.items()}
    if found.collect_env:
        from doctor.diagnose.parsing import collect_env

        report = collect_env(found.collect_env[0].text)
        if report is not None:
            packages.update(report.packages)
            stack = report.stack()
            for name, version in (("vllm", stack.vllm), ("vllm-ascend", stack.vllm_ascend), ("torch", stack.torch)):
                if version:
                    packages[name] = version
    return packages


def evidence_of(found: Extracted) -> tuple[Evidence, dict[str, Piece]]:
    """The evidence the paste holds, and the piece each observation came from (to quote it)."""
    evidence, origin = Evidence(meta={"source": "paste"}), {}

    def add(key: str, piece: Piece, text: str, kind: str = "file") -> None:
        evidence.add(_observation(key, text, kind))
        origin[key] = piece

    for key, pieces, kind in ((NPU_SMI_INFO, found.npu_smi, "command"), (file_key(DRIVER_INFO), found.driver_info,
                              "file"), (file_key(FIRMWARE_INFO), found.firmware_info, "file")):
        if pieces:
            add(key, pieces[-1], pieces[-1].text, kind)
    if found.toolkit_version:
        piece = found.toolkit_version[-1]
        add(file_key(TOOLKIT_INFO), piece, f"version={piece.text}\n")
    packages = _packages(found)
    if packages:
        first = next(iter(found.packages.values()), None) or found.collect_env[0]
        add(PYTHON_PACKAGES, first, json.dumps({"python": found.python or "", "packages": packages}), "command")
    env = {name: piece.text for name, piece in found.env.items()}
    if env:
        add(ENV, next(iter(found.env.values())), json.dumps(redact_env(env)), "json")
    return evidence, origin


def intent_of(found: Extracted) -> Intent:
    images = [parse_docker_run(p.text).image for p in found.docker_run]
    images = [i for i in images if i and "$" not in i]
    serves = [parse_vllm_serve(p.text) for p in found.vllm_serve]
    return Intent(tp=serves[-1].tensor_parallel if serves else 1, image=images[-1] if images else None)


def run(found: Extracted) -> tuple[list[Finding], list[Diagnosis], list[str]]:
    """Every paste check's finding, the problems among them as diagnoses, and what to paste next."""
    evidence, origin = evidence_of(found)
    checks = [by_code(code) for code in PASTE_CHECKS]
    findings = run_checks(evidence, intent_of(found), catalog=checks)
    problems, wanted = [], []
    for check, finding in zip(checks, findings):
        if finding.status in CONFIDENCE:
            problems.append(_diagnosis(finding, check, origin))
        missing = check.evidence.absent_from(evidence.observations)
        wanted += [WANTED[k] for k in missing if k in WANTED and finding.status != FAIL]
    return findings, problems, list(dict.fromkeys(wanted))


def _diagnosis(finding: Finding, check, origin: dict[str, Piece]) -> Diagnosis:
    quotes = tuple(Quote(origin[k].line, origin[k].text.split("\n", 1)[0].strip()) for k in check.evidence.keys
                   if k in origin)
    evidence = f"{finding.summary}\n{finding.evidence}".strip()
    return Diagnosis(finding.code, finding.name, finding.status, evidence, CONFIDENCE[finding.status], quotes[:3],
                     finding.fix, "check")
