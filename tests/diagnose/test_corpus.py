"""diagnose on the corpus of real cases: how many it names, and that no healthy one FAILs.
The README's figures are these (README "Diagnosing a paste")."""

import re
from pathlib import Path

from doctor.diagnose.run import diagnose
from doctor.model import FAIL
from tests.diagnose.corpus import CASES

README = Path(__file__).resolve().parents[2] / "README.md"


def outcome(case):
    result = diagnose(case.paste, [])
    return result, [f.code for f in result.findings]


def figures() -> dict:
    named = failed_healthy = 0
    for case in CASES:
        result, codes = outcome(case)
        named += bool(case.expected and case.expected in codes)
        failed_healthy += case.healthy and any(f.status == FAIL for f in result.findings)
    return {"cases": len(CASES), "healthy": sum(c.healthy for c in CASES), "named": named,
            "nameable": sum(bool(c.expected) for c in CASES), "healthy_failed": failed_healthy}


def test_every_case_has_a_public_source_and_a_cause():
    assert all(c.url.startswith("https://github.com/") and c.cause for c in CASES)


def test_no_healthy_case_fails():
    wrong = [(c.url, [f.code for f in diagnose(c.paste, []).findings if f.status == FAIL]) for c in CASES if c.healthy]
    assert [w for w in wrong if w[1]] == []


def test_every_expected_code_is_named():
    missed = [(c.url, c.expected, outcome(c)[1]) for c in CASES if c.expected and c.expected not in outcome(c)[1]]
    assert missed == []


def test_the_readme_reports_these_figures():
    f = figures()
    text = README.read_text(encoding="utf-8")
    said = re.search(r"names the cause of\s+(\d+)\s+of\s+the\s+(\d+)\s+cases.*?(\d+)\s+healthy.*?wrongly\s+fails\s+(\d+)", text,
                     re.S)
    assert said, "README lacks the corpus sentence"
    assert tuple(map(int, said.groups())) == (f["named"], f["cases"], f["healthy"], f["healthy_failed"]), f
