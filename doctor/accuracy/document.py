"""eval.json (schema ascend-doctor-eval/1) and the folder a run writes into.

    DIR/eval.json       this document, written whole or not at all
    DIR/lm-eval/        lm-eval's own output (results_<time>.json, samples with --log-samples)
    DIR/lm-eval.log     everything lm-eval printed
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field

from doctor.accuracy.gate import Verdict
from doctor.accuracy.results import Measured
from doctor.errors import UsageError
from doctor.printable import shortened

SCHEMA = "ascend-doctor-eval/1"
DOCUMENT = "eval.json"
LM_EVAL_DIR = "lm-eval"
LOG = "lm-eval.log"
DEFAULT_ROOT = "ascend-doctor-results"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class Record:
    """What one run knows, filled in as it goes; whatever it holds when the run ends is written."""

    url: str
    model: str
    task: str
    limit: int | None
    num_fewshot: int | None
    command: list[str]
    started: float = field(default_factory=time.time)
    finished: float | None = None
    eval_seconds: float | None = None
    lm_eval_version: str | None = None
    result: Measured | None = None
    metrics: dict = field(default_factory=dict)
    gate: Verdict | None = None
    errors: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    exit_status: int = 0            # what the run comes to; not part of the document

    def to_dict(self) -> dict:
        finished = self.finished or time.time()
        return {"schema": SCHEMA, "url": self.url, "model": self.model, "task": self.task, "limit": self.limit,
                "num_fewshot": self.num_fewshot, "started": _utc(self.started), "finished": _utc(finished),
                "eval_seconds": _round(self.eval_seconds), "wall_seconds": _round(finished - self.started),
                "lm_eval": {"version": self.lm_eval_version, "command": self.command},
                "result": _result(self.result), "metrics": self.metrics,
                "gate": self.gate.to_dict() if self.gate else None, "errors": self.errors, "files": self.files}


def _utc(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _round(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 3)


def _result(measured: Measured | None) -> dict | None:
    if measured is None:
        return None
    return {"task": measured.task, "metric": measured.metric, "value": measured.value, "stderr": measured.stderr,
            "samples": measured.samples}


def default_directory(model: str, now: float) -> str:
    """./ascend-doctor-results/<model, safe as a file name>/<UTC time>."""
    safe = _UNSAFE.sub("_", model).strip("._")[:100] or "model"
    return os.path.join(DEFAULT_ROOT, safe, time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now)))


def refuse_taken(directory: str, force: bool) -> None:
    """A UsageError for a folder that cannot take this run: checked before anything is run."""
    shown = shortened(directory)
    if os.path.lexists(directory) and not os.path.isdir(directory):
        raise UsageError(f"--out {shown} exists and is not a directory")
    if os.path.lexists(os.path.join(directory, DOCUMENT)) and not force:
        raise UsageError(f"--out {shown} already holds an eval.json; choose another folder, or pass --force "
                         "to replace that run")


def prepare(directory: str, force: bool) -> None:
    """Make the folder; with --force, clear it of what an earlier run wrote (and only that)."""
    refuse_taken(directory, force)
    if os.path.lexists(os.path.join(directory, DOCUMENT)):
        _clear(directory)
    shown = shortened(directory)
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot make --out {shown}: {exc.strerror or exc}") from None


def _clear(directory: str) -> None:
    for name in (DOCUMENT, LOG):
        if os.path.isfile(os.path.join(directory, name)):
            os.remove(os.path.join(directory, name))
    lm_eval_dir = os.path.join(directory, LM_EVAL_DIR)
    if os.path.isdir(lm_eval_dir) and not os.path.islink(lm_eval_dir):
        shutil.rmtree(lm_eval_dir)


def write(record: Record, directory: str) -> str:
    """eval.json, complete or not at all: written beside its place, then renamed over it."""
    path = os.path.join(directory, DOCUMENT)
    record.files.setdefault("eval", path)
    handle, staging = tempfile.mkstemp(prefix=".eval-", suffix=".json", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(record.to_dict(), out, indent=2)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(staging, 0o644)        # mkstemp's 0600 would hide the report from the team reading it
        os.replace(staging, path)
    except BaseException:
        _remove_quietly(staging)
        raise
    return path


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
