"""From pasted inputs to ranked findings: extract the pieces, match the signatures, lint the commands,
run the checks a paste can decide, and say what to paste next."""

from __future__ import annotations

from dataclasses import dataclass, field

from doctor.diagnose import lint_commands, paste_checks, signatures
from doctor.diagnose.commands import variables
from doctor.diagnose.extract import Extracted, Paste, extract
from doctor.diagnose.findings import Diagnosis
from doctor.exit_codes import ExitStatus
from doctor.model import ERROR, FAIL, Finding

DECISIVE = 0.8      # a FAIL at least this sure needs nothing more pasted
FIRST_ASKS = ("the whole error output, from the first ERROR line", "the collect_env report "
              "(vllm-ascend's `python collect_env.py`)", "`npu-smi info`", "the docker run command")


@dataclass(frozen=True)
class Input:
    name: str
    encoding: str
    size: int


@dataclass
class Result:
    inputs: list[Input]
    found: Extracted
    findings: list[Diagnosis]
    checks: list[Finding]
    paste_next: list[str] = field(default_factory=list)

    @property
    def exit_status(self) -> ExitStatus:
        statuses = {f.status for f in self.findings}
        if FAIL in statuses:
            return ExitStatus.FAILED
        if ERROR in statuses or not self.found.kinds() and not self.findings:
            return ExitStatus.UNDECIDED
        return ExitStatus.OK


def diagnose(text: str, inputs: list[Input]) -> Result:
    paste = Paste(text)
    found = extract(paste)
    checks, problems, wanted = paste_checks.run(found)
    findings = sorted([*signatures.match(paste), *lint_commands.lint(found), *problems], key=Diagnosis.rank)
    result = Result(inputs, found, findings, checks)
    result.paste_next = paste_next(result, wanted)
    return result


def paste_next(result: Result, wanted: list[str]) -> list[str]:
    if any(f.status == FAIL and f.confidence >= DECISIVE for f in result.findings):
        return []
    asks = [a for f in result.findings for a in f.paste_next]
    names = sorted({v for p in result.found.docker_run + result.found.vllm_serve for v in variables(p.text)})
    if names:
        asks.append("the values of " + ", ".join(f"${n}" for n in names) + " (the commands use them)")
    if not result.findings and not result.found.tracebacks:
        asks += FIRST_ASKS
    elif not result.found.docker_run and any(f.origin == "signature" for f in result.findings):
        asks.append("the docker run command")
    return list(dict.fromkeys(asks + wanted))
