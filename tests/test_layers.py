"""Imports go one way: the shared types import nothing of the package, facts do not import checks,
and checks read evidence by the names in doctor/evidence_keys.py, never from the probes."""

import ast
from pathlib import Path

import pytest

DOCTOR = Path(__file__).resolve().parents[1] / "doctor"


def doctor_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "doctor":
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "doctor")
    return found


def test_the_shared_types_import_nothing_of_the_package():
    assert doctor_imports(DOCTOR / "model.py") == set()


@pytest.mark.parametrize("module", ["facts.py", "stack.py", "cann_install.py"])
def test_facts_do_not_import_the_checks(module):
    assert not {m for m in doctor_imports(DOCTOR / module) if m.startswith("doctor.checks")}


@pytest.mark.parametrize("module", ["facts.py", "stack.py", "cann_install.py"])
def test_facts_read_parsed_evidence_not_the_probes(module):
    assert not {m for m in doctor_imports(DOCTOR / module) if m.startswith("doctor.probes")}


@pytest.mark.parametrize("module", sorted(p.name for p in (DOCTOR / "checks").glob("*.py")))
def test_checks_do_not_reach_into_the_probes(module):
    assert not {m for m in doctor_imports(DOCTOR / "checks" / module) if m.startswith("doctor.probes")}
