"""Static checks of the Python side."""

from __future__ import annotations

import ast
import subprocess

from tests.test_ansible import REPO, tool

MAX_FUNCTION_LINES = 60


def test_python_has_no_unused_names_or_undefined_ones():
    """pyflakes' rules over the Python side (unused imports and variables, undefined names)."""
    done = subprocess.run([tool("ruff"), "check", "--no-cache", "--select", "F,E9", "--output-format", "concise",
                           # the recorded upstream excerpts include pyproject.toml files ruff would read as config
                           "--extend-exclude", "tests/fixtures",
                           "doctor", "tests", "bench", "filter_plugins", "tools"],
                          cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


def test_no_function_in_the_package_is_longer_than_60_lines():
    """A function that needs more lines than a screen holds does more than one thing: split it."""
    long = []
    for path in sorted([*(REPO / "doctor").rglob("*.py"), *(REPO / "tools").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name}() has {lines} lines")
    assert long == []
