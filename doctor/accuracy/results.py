"""lm-eval's results file (`results_<time>.json`) read into the figures a report needs.

Its shape (lm-eval 0.4.13, lm_eval/loggers/evaluation_tracker.py): `results[task]` maps
"<metric>,<filter>" to a value and "<metric>_stderr,<filter>" to its standard error ("N/A" when
none was computed), beside "alias" and "sample_len"; `n-samples[task]` is {"original",
"effective"} for a task (a group has none: its subtasks' are summed, `group_subtasks` naming
them); `higher_is_better[task]` maps each bare metric to true or false.
"""

from __future__ import annotations

import glob
import json
import math
import os
from dataclasses import dataclass

from doctor import bounded

RESULTS_LIMIT = 64 * 1024 * 1024
MAX_GROUP_DEPTH = 8
_NOT_METRICS = ("alias", "name", "sample_len", "sample_count", " ")


class ResultsError(ValueError):
    """The results file cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Measured:
    task: str
    metric: str                 # "<metric>,<filter>", e.g. "exact_match,strict-match"
    value: float
    stderr: float | None
    samples: int | None
    higher_is_better: bool = True


@dataclass(frozen=True)
class Results:
    path: str
    doc: dict
    metrics: dict[str, dict[str, float]]     # task -> metric -> value, every task of the file

    @property
    def lm_eval_version(self) -> str | None:
        version = self.doc.get("lm_eval_version")
        return version if isinstance(version, str) else None


def newest_file(output_path: str, since: float = 0.0) -> str | None:
    """The newest results file lm-eval wrote under `output_path` (in <model>/, or there itself) since
    `since` (a time.time()): one an earlier run left in the folder is not this run's."""
    found = glob.glob(os.path.join(glob.escape(output_path), "*", "results_*.json"))
    found += glob.glob(os.path.join(glob.escape(output_path), "results_*.json"))
    found = [path for path in found if os.path.getmtime(path) >= since]
    return max(found, key=os.path.getmtime) if found else None


def load(path: str) -> Results:
    try:
        text = bounded.read_file(path, RESULTS_LIMIT).decode("utf-8")
        doc = json.loads(text)
    except (OSError, bounded.ReadRefused, bounded.TooLarge) as exc:
        raise ResultsError(f"cannot read lm-eval's results file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ResultsError(f"lm-eval's results file {path} is not JSON ({_short(exc)}); truncated?") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), dict):
        raise ResultsError(f"{path} is not an lm-eval results file: it has no \"results\" object")
    return Results(path, doc, {task: _task_metrics(scores) for task, scores in doc["results"].items()
                               if isinstance(scores, dict)})


def _short(exc: Exception) -> str:
    return str(exc)[:120]


def _task_metrics(scores: dict) -> dict[str, float]:
    """The "<metric>,<filter>" entries that hold a number, stderr entries left out."""
    return {key: float(value) for key, value in scores.items()
            if "," in key and "_stderr," not in key and key.split(",")[0] not in _NOT_METRICS
            and _is_number(value)}


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def measured(results: Results, task: str, metric: str | None) -> Measured:
    """The figure for `task` and `metric` ("acc" matches "acc,none"; None: the task's first metric)."""
    if task not in results.metrics:
        listed = ", ".join(sorted(results.metrics)) or "none"
        raise ResultsError(f"{results.path} has no results for task {task} (it has: {listed})")
    scores = results.metrics[task]
    key = _metric_key(scores, metric)
    if key is None:
        listed = ", ".join(scores) or "none"
        wanted = f"metric {metric}" if metric else "any metric"
        raise ResultsError(f"{results.path} has no {wanted} for task {task} (it has: {listed})")
    stderr = results.doc["results"][task].get(key.replace(",", "_stderr,", 1))
    return Measured(task, key, scores[key], float(stderr) if _is_number(stderr) else None,
                    _samples(results.doc, task), _higher_is_better(results.doc, task, key))


def _metric_key(scores: dict[str, float], metric: str | None) -> str | None:
    if metric is None:
        return next(iter(scores), None)
    if metric in scores:
        return metric
    return next((key for key in scores if key.split(",")[0] == metric), None)


def _samples(doc: dict, task: str, depth: int = 0) -> int | None:
    counts = doc.get("n-samples") if isinstance(doc.get("n-samples"), dict) else {}
    subtasks = doc.get("group_subtasks") if isinstance(doc.get("group_subtasks"), dict) else {}
    if isinstance(counts.get(task), dict):
        effective = counts[task].get("effective")
        return effective if isinstance(effective, int) and not isinstance(effective, bool) else None
    if depth > MAX_GROUP_DEPTH or not isinstance(subtasks.get(task), list):    # a file naming a cycle
        return None
    parts = [_samples(doc, sub, depth + 1) for sub in subtasks[task] if isinstance(sub, str)]
    return sum(parts) if parts and None not in parts else None


def _higher_is_better(doc: dict, task: str, key: str) -> bool:
    table = doc.get("higher_is_better")
    flags = table.get(task) if isinstance(table, dict) else None
    flag = flags.get(key.split(",")[0]) if isinstance(flags, dict) else None
    return flag is not False
