"""Static checks of the Python side."""

from __future__ import annotations

import subprocess

from tests.test_ansible import REPO, tool


def test_python_has_no_unused_names_or_undefined_ones():
    """pyflakes' rules over the Python side (unused imports and variables, undefined names)."""
    done = subprocess.run([tool("ruff"), "check", "--select", "F,E9", "--output-format", "concise",
                           "doctor", "tests", "bench", "filter_plugins"], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
