"""The lm-eval tasks shipped with the package, runnable where nothing can be downloaded."""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parents[1] / "data" / "eval_tasks"


def bundled() -> list[str]:
    """The task names in the bundled folder: one sub-folder per task, named as its task."""
    return sorted(p.name for p in FOLDER.iterdir() if (p / f"{p.name}.yaml").is_file())


def is_bundled(task: str) -> bool:
    return task in bundled()
