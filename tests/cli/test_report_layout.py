"""The check report as people read it: verdict first, problems with evidence and fix, one line per phase;
at 80 and 120 columns, on a terminal (colour) and not (plain), held by golden files.

UPDATE_GOLDEN=1 rewrites the files instead of comparing."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from doctor.cli import main
from doctor.runtime import Runtime

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "report"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
EXAMPLE = ["check", "--snapshot", str(REPO / "examples" / "atlas-800-a3-busy"), "--tp", "2",
           "--image", "quay.io/ascend/vllm-ascend:v0.11.0rc0"]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def rendered(columns: int, tty: bool, *extra: str, environ: dict | None = None) -> tuple[int, str]:
    out = Terminal() if tty else io.StringIO()
    env = {"COLUMNS": str(columns), "TERM": "xterm-256color", **(environ or {})}
    code = main([*EXAMPLE, *extra], Runtime(stdout=out, stderr=io.StringIO(), stdin=None, environ=env))
    return code, out.getvalue()


def matches_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed; UPDATE_GOLDEN=1 rewrites it"


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("tty", [False, True], ids=["plain", "tty"])
def test_layout_against_golden(columns, tty):
    code, text = rendered(columns, tty)
    assert code == 1
    matches_golden(f"a3-busy-{columns}-{'tty' if tty else 'plain'}.txt", text)


def test_verbose_layout_against_golden():
    matches_golden("a3-busy-80-verbose.txt", rendered(80, False, "--verbose")[1])


def test_the_verdict_leads_and_problems_come_before_what_passed():
    _, text = rendered(80, False)
    lines = text.splitlines()
    assert lines[0].startswith("not ready: ") and "2 fail" in lines[0]
    problems = [i for i, line in enumerate(lines) if line.startswith("FAIL ")]
    phases = [i for i, line in enumerate(lines) if line.split(" ", 1)[0] in ("✓", "✗", "!")]
    assert len(problems) == 2 and len(phases) == 6 and max(problems) < min(phases)
    assert "more: ascend-doctor explain DEV006" in text
    assert "device-nodes-missing" not in text          # a PASS is not labelled with its failure's name


@pytest.mark.parametrize("columns", [80, 120])
def test_no_line_is_wider_than_the_terminal(columns):
    for tty in (False, True):
        _, text = rendered(columns, tty, "--verbose")
        plain = text if not tty else __import__("re").sub(r"\x1b\[[0-9;]*m", "", text)
        assert max(len(line) for line in plain.splitlines()) <= columns


def test_no_color_on_a_terminal_prints_no_colour():
    import re

    _, text = rendered(80, True, environ={"NO_COLOR": "1"})
    codes = set(re.findall(r"\x1b\[([0-9;]*)m", text))
    assert codes and not any(re.search(r"(^|;)(3[0-9]|9[0-7])(;|$)", code) for code in codes), codes
    assert re.sub(r"\x1b\[[0-9;]*m", "", text) == rendered(80, False)[1]


def test_json_is_unchanged_by_the_layout():
    import json

    code, text = rendered(80, True, "--json")
    assert code == 1 and json.loads(text)["schema"] == "ascend-doctor-report/1"
