"""Finds the runs under a results folder and reads their documents, within bounds.

The layout the evaluate role writes is RESULTS/<host>/<service>/<UTC time>/{bench,eval}.json; a
run folder written by hand (`--out`) anywhere under RESULTS is found the same way. A run's series
is its folder's parent, relative to RESULTS: the runs of one service on one host.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from doctor import bounded

KINDS = {"bench.json": ("bench", "ascend-doctor-bench/1"), "eval.json": ("eval", "ascend-doctor-eval/1")}
DOCUMENT_LIMIT = 8 * 1024 * 1024
MAX_DEPTH = 8              # RESULTS/<host>/<service>/<time> is 3; hand-made trees get some room
MAX_RUNS = 20000


@dataclass(frozen=True)
class Run:
    series: str            # the run folder's parent, relative to the results folder ("." at the top)
    folder: str            # the run folder's own name
    kind: str              # bench | eval
    path: Path
    document: dict | None  # None: unreadable, see problem
    problem: str | None = None

    @property
    def started(self) -> str:
        """When the run started (ISO UTC), or the folder's name, for ordering."""
        value = (self.document or {}).get("started")
        return value if isinstance(value, str) else self.folder


class TooManyRuns(Exception):
    pass


def find_runs(root: Path) -> list[Run]:
    """Every bench.json and eval.json under `root`, read; symbolic links to folders are not followed."""
    runs: list[Run] = []
    base_depth = len(root.parts)
    for folder, subfolders, files in os.walk(root, onerror=None):
        here = Path(folder)
        if len(here.parts) - base_depth >= MAX_DEPTH:
            subfolders[:] = []
        subfolders.sort()
        for name in sorted(set(files) & set(KINDS)):
            if len(runs) >= MAX_RUNS:
                raise TooManyRuns(f"more than {MAX_RUNS} result files under {root}")
            runs.append(_read_run(root, here, name))
    return runs


def _read_run(root: Path, folder: Path, name: str) -> Run:
    kind, schema = KINDS[name]
    parent = folder.parent.relative_to(root) if folder != root else Path(".")
    series, path = str(parent) if folder != root else ".", folder / name
    document, problem = read_document(path, schema)
    return Run(series=series, folder=folder.name, kind=kind, path=path, document=document, problem=problem)


def read_document(path: Path, schema: str) -> tuple[dict | None, str | None]:
    """The JSON object in `path` if it carries `schema`; otherwise None and what is wrong."""
    try:
        raw = bounded.read_file(str(path), DOCUMENT_LIMIT)
    except bounded.TooLarge:
        return None, f"larger than {bounded.human_size(DOCUMENT_LIMIT)}"
    except (bounded.ReadRefused, OSError, ValueError) as exc:
        return None, f"unreadable: {getattr(exc, 'strerror', None) or exc}"
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"not JSON ({exc.__class__.__name__}: {exc}); truncated?"
    if not isinstance(document, dict) or document.get("schema") != schema:
        found = document.get("schema") if isinstance(document, dict) else type(document).__name__
        return None, f"not an {schema} document (schema: {found!r})"
    return document, None
