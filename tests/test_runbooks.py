"""Every check code has its runbook page, and `explain` prints it."""

from pathlib import Path

import pytest

from doctor.checks.catalog import CATALOG
from doctor.fleet.cross_checks import FLEET_CHECKS

RUNBOOKS = Path(__file__).resolve().parents[1] / "docs" / "runbooks"
SECTIONS = ("## What it checks", "## Why it matters", "## How it is detected", "## Fix",
            "## False positives", "## References")


EVERY_CHECK = (*CATALOG, *FLEET_CHECKS)


@pytest.mark.parametrize("check", EVERY_CHECK, ids=[c.code for c in EVERY_CHECK])
def test_every_code_has_a_complete_page(check):
    page = RUNBOOKS / f"{check.code}.md"
    assert page.is_file(), f"{check.code} has no runbook page at docs/runbooks/{check.code}.md"
    text = page.read_text()
    assert text.startswith(f"# {check.code} {check.name}\n")
    positions = [text.find(s) for s in SECTIONS]
    assert -1 not in positions and positions == sorted(positions), f"{page} lacks a section or has them out of order"


def test_no_page_without_a_code():
    from doctor.diagnose.runbooks import codes as diagnose_codes

    codes = {c.code for c in CATALOG} | {c.code for c in FLEET_CHECKS} | set(diagnose_codes())
    orphans = {p.stem for p in RUNBOOKS.glob("*.md")} - codes - {"README"}
    assert not orphans


def test_readme_lists_every_code():
    index = (RUNBOOKS / "README.md").read_text()
    for check in EVERY_CHECK:
        assert f"[{check.code}]({check.code}.md) | {check.name} | {check.phase} |" in index


def test_explain_prints_the_page(cli):
    ran = cli("explain", "dev003")
    assert ran.code == 0 and ran.out.startswith("# DEV003 npu-smi-unusable")
    by_name = cli("explain", "shm-too-small")
    assert by_name.code == 0 and by_name.out.startswith("# ENV006")


def test_explain_and_list_checks_know_the_fleet_codes(cli):
    ran = cli("explain", "FLEET001")
    assert ran.code == 0 and ran.out.startswith("# FLEET001 version-skew")
    listed = cli("list-checks")
    assert "FLEET007" in listed.out and "DEV001" in listed.out
