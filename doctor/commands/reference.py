"""What the doctor knows, printed: `list-checks`, `list-recipes` and `explain CODE` (a check's runbook page
and the evidence it reads)."""

from __future__ import annotations

import json
from importlib import resources

from doctor.checks.base import Check
from doctor.checks.catalog import CATALOG
from doctor.errors import UsageError
from doctor.exit_codes import ExitStatus
from doctor.runtime import Runtime


def all_checks() -> list:
    """The single-host catalog, then the checks that compare the hosts of a fleet."""
    from doctor.fleet.cross_checks import FLEET_CHECKS

    return [*CATALOG, *FLEET_CHECKS]


def find(code: str):
    """A check of either catalog by its code or its name; None when there is none."""
    wanted = code.strip()
    return next((c for c in all_checks() if c.code == wanted.upper() or c.name == wanted.lower()), None)


def list_checks(args, runtime: Runtime) -> int:
    if args.json:
        rows = [{"code": c.code, "name": c.name, "phase": c.phase, "title": c.title} for c in all_checks()]
        print(json.dumps(rows, indent=2), file=runtime.stdout)
        return ExitStatus.OK
    for c in all_checks():
        print(f"{c.code}  {c.name:<26} {c.phase:<12} {c.title}", file=runtime.stdout)
    return ExitStatus.OK


def runbook(code: str) -> str | None:
    page = resources.files("doctor").joinpath("runbooks", f"{code}.md")
    try:
        return page.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None


def explain(args, runtime: Runtime) -> int:
    check = find(args.code)
    if check is None:
        return _explain_diagnosis(args.code, runtime)
    page = runbook(check.code)
    if page is None:
        raise UsageError(f"the runbook page of {check.code} is not installed")
    print(page, file=runtime.stdout, end="" if page.endswith("\n") else "\n")
    if isinstance(check, Check):
        print(evidence_section(check), file=runtime.stdout)
    return ExitStatus.OK


def _explain_diagnosis(code: str, runtime: Runtime) -> int:
    """The page of an error signature (SIG*) or a command rule (CMD*) of `diagnose`."""
    from doctor.diagnose import runbooks

    found = runbooks.name_of(code)
    if found is None:
        raise UsageError(f"no check or diagnose code {code!r}; see `ascend-doctor list-checks`")
    page = runbook(found) or runbooks.render(found)
    print(page, file=runtime.stdout, end="" if page.endswith("\n") else "\n")
    return ExitStatus.OK


def evidence_section(check: Check) -> str:
    """The evidence keys a check reads, as `collect` names them in a snapshot's manifest."""
    def keys(found: tuple[str, ...]) -> str:
        return ", ".join(f"`{k}`" for k in found) or "none"

    return "\n".join([
        "", "## Evidence it reads", "",
        f"- needed (without it the check is skipped): {keys(check.evidence.needed)}",
        f"- used when collected: {keys(check.evidence.optional)}",
        "", "Keys are those of a snapshot's manifest.json; `*` stands for a device, chip or path.",
    ])


def list_recipes(args, runtime: Runtime) -> int:
    from doctor import recipes

    for name in recipes.names():
        r = recipes.load(name)
        print(f"{name:<22} {r.modality:<7} TP {r.tensor_parallel_size}  {r.npus} NPU  {r.model}", file=runtime.stdout)
    return ExitStatus.OK
