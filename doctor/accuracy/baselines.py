"""Baselines: the published ones in data/accuracy_baselines.json, and those given with --baseline.

The data file maps a model id (as recipes name it) to its published figures, first the one a
recipe gates on::

    {"tolerance": {"value": 0.05, "source": {...}},
     "models": {"Qwen/Qwen3-VL-8B-Instruct": [
        {"task": "mmmu_val", "metric": "acc,none", "value": 0.55, "num_fewshot": 0,
         "apply_chat_template": true, "kind": "ci" | "reference", "note": "...",
         "source": {"repository": "vllm-project/vllm-ascend", "path": "...", "commit": "..."}}]}}

--baseline takes a number, or a file: an earlier eval.json (its task, metric and measured value)
or {"task": ..., "metric": ..., "value": ..., "tolerance": ...}.
"""

from __future__ import annotations

import functools
import json
import math
from importlib import resources

from doctor.accuracy.gate import DEFAULT_TOLERANCE, Baseline
from doctor.errors import UsageError
from doctor.printable import shortened

BASELINE_FILE_LIMIT = 4 * 1024 * 1024
EVAL_SCHEMA = "ascend-doctor-eval/1"


@functools.lru_cache(maxsize=1)
def published() -> dict:
    return json.loads(resources.files("doctor").joinpath("data", "accuracy_baselines.json").read_text("utf-8"))


def source_text(source: dict) -> str:
    at = f" @ {source['commit'][:12]}" if source.get("commit") else ""
    return f"{source['repository']} {source['path']}{at}"


def for_model(model_id: str, task: str | None = None, metric: str | None = None) -> Baseline | None:
    """The first published figure for the model (of `task` and `metric`, when named), or None."""
    data = published()
    for entry in data["models"].get(model_id, ()):
        if (task is None or entry["task"] == task) and (metric is None or _same_metric(entry["metric"], metric)):
            return Baseline(entry["value"], data["tolerance"]["value"], entry["task"], entry["metric"],
                            f"{source_text(entry['source'])} ({model_id})", entry.get("num_fewshot"),
                            entry.get("apply_chat_template"))
    return None


def _same_metric(published_metric: str, wanted: str) -> bool:
    return published_metric == wanted or published_metric.split(",")[0] == wanted


def from_argument(text: str, read) -> Baseline:
    """--baseline VALUE or FILE; `read(path) -> bytes` reads a file the user named (UsageError if it cannot)."""
    number = _number(text)
    if number is not None:
        return Baseline(_checked_value(number, "--baseline"), source="--baseline")
    return from_document(read(text), text)


def _number(text: str) -> float | None:
    try:
        return float(text) if text.strip().isascii() else None
    except ValueError:
        return None


def from_document(raw: bytes, name: str) -> Baseline:
    shown = shortened(name)
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise UsageError(f"--baseline {shown} is neither a number nor a JSON file") from None
    if isinstance(doc, dict) and doc.get("schema") == EVAL_SCHEMA:
        return _from_eval_document(doc, shown)
    if not isinstance(doc, dict) or "value" not in doc:
        raise UsageError(f"--baseline {shown}: expected an eval.json or "
                         '{"task": ..., "metric": ..., "value": ..., "tolerance": ...}')
    return Baseline(_checked_value(doc["value"], f"--baseline {shown}: value"),
                    _checked_tolerance(doc.get("tolerance", DEFAULT_TOLERANCE), f"--baseline {shown}: tolerance"),
                    _optional_text(doc, "task", shown), _optional_text(doc, "metric", shown), f"--baseline {shown}")


def _from_eval_document(doc: dict, shown: str) -> Baseline:
    result = doc.get("result")
    if not isinstance(result, dict):
        raise UsageError(f"--baseline {shown} is an eval.json of a run that measured nothing (no result)")
    gate = doc.get("gate") if isinstance(doc.get("gate"), dict) else {}
    return Baseline(_checked_value(result.get("value"), f"--baseline {shown}: result.value"),
                    _checked_tolerance(gate.get("tolerance", DEFAULT_TOLERANCE), f"--baseline {shown}: gate.tolerance"),
                    _optional_text(result, "task", shown), _optional_text(result, "metric", shown),
                    f"--baseline {shown} (measured {doc.get('finished') or 'earlier'})")


def _optional_text(doc: dict, key: str, shown: str) -> str | None:
    value = doc.get(key)
    if value is not None and not (isinstance(value, str) and value.strip()):
        raise UsageError(f"--baseline {shown}: {key} must be a non-empty string")
    return value


def _checked_value(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise UsageError(f"{where} must be a finite number at or above 0, not {shortened(repr(value), 40)}")
    return float(value)


def _checked_tolerance(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise UsageError(f"{where} must be a relative tolerance from 0 up to 1 (0.05 is 5 %), "
                         f"not {shortened(repr(value), 40)}")
    return float(value)


def checked_tolerance(value: float, where: str = "--tolerance") -> float:
    return _checked_tolerance(value, where)
