"""The README's "What it checks" tables list the catalog: every check, in report order, by its code,
name and phase. The last column is the README's own wording of what each check makes sure of."""

from pathlib import Path

from doctor.checks.catalog import CATALOG
from doctor.fleet.cross_checks import FLEET_CHECKS

README = Path(__file__).resolve().parents[1] / "README.md"


def check_rows() -> list[list[str]]:
    """The cells of every table row in the README's "What it checks" section that names a code."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## What it checks"):]
    section = section[:section.index("\n## ", 1)]
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in section.splitlines() if line.startswith("| ")]
    return [cells for cells in rows if cells[0] not in ("code", "---")]


def test_the_host_table_is_the_catalog():
    listed = [tuple(cells[:3]) for cells in check_rows() if not cells[0].startswith("FLEET")]
    expected = [(c.code, c.name, c.phase) for c in CATALOG]
    assert listed == expected, "README rows (code | name | phase) differ from doctor/checks/catalog.py"


def test_the_fleet_table_is_the_fleet_catalog():
    listed = [tuple(cells[:2]) for cells in check_rows() if cells[0].startswith("FLEET")]
    assert listed == [(c.code, c.name) for c in FLEET_CHECKS]


def test_every_row_says_what_the_check_makes_sure_of():
    assert all(cells[-1] for cells in check_rows())
