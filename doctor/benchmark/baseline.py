"""The figures a run must meet: an earlier bench.json (level by level) or a flat JSON object of
figures (`{"output_throughput": 300, "median_ttft_ms": 150}`, for every level)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from doctor.benchmark.results import NotAResult, figure_names, figures_of, flat_figures

SCHEMA = "ascend-doctor-bench/1"
MAX_BASELINE = 1 << 20


class BadBaseline(ValueError):
    """The baseline cannot be used; the message says what is wrong with it."""


@dataclass(frozen=True)
class Baseline:
    path: str
    per_level: dict[int | None, dict[str, float]] | None   # bench.json: concurrency -> figures
    everywhere: dict[str, float] | None                    # a flat object: the same figures at every level

    def figures_at(self, concurrency: int | None) -> dict[str, float] | None:
        if self.everywhere is not None:
            return self.everywhere
        return self.per_level.get(concurrency)

    def levels(self) -> list:
        return [] if self.per_level is None else sorted(self.per_level, key=lambda c: (c is None, c or 0))


def parse_baseline(path: str, data: bytes) -> Baseline:
    """Baseline from the bytes of FILE; BadBaseline saying what is wrong."""
    if len(data) > MAX_BASELINE:
        raise BadBaseline("larger than 1 MiB")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, RecursionError, ValueError) as exc:
        raise BadBaseline(f"not JSON ({str(exc)[:120]})") from None
    if not isinstance(doc, dict):
        raise BadBaseline(f"a JSON {type(doc).__name__}, not an object of figures or a bench.json")
    if "schema" in doc:
        return Baseline(path, _levels_of_bench_json(doc), None)
    return Baseline(path, None, _flat(doc))


def _levels_of_bench_json(doc: dict) -> dict:
    if doc.get("schema") != SCHEMA:
        raise BadBaseline(f"schema {str(doc.get('schema'))[:60]!r} is not {SCHEMA}")
    sweep = doc.get("sweep")
    if not isinstance(sweep, list) or not sweep:
        raise BadBaseline("a bench.json with no measured level (its sweep is empty)")
    levels = {}
    for entry in sweep:
        if not isinstance(entry, dict) or not isinstance(entry.get("result"), dict):
            raise BadBaseline("a sweep entry is not {concurrency, result}")
        figures = {key: _figure(key, value) for key, value in flat_figures(entry["result"]).items()
                   if key in figure_names()}
        levels[entry.get("concurrency")] = figures
    if not any(levels.values()):
        raise BadBaseline("no known figures in its sweep")
    return levels


def _flat(doc: dict) -> dict[str, float]:
    known = set(figure_names())
    unknown = sorted(key for key in doc if key not in known)
    if unknown:
        try:
            return flat_figures(figures_of(doc))       # a raw vLLM result file serves as a baseline too
        except NotAResult:
            pass
        raise BadBaseline(f"unknown figure(s) {', '.join(k[:40] for k in unknown[:5])} "
                          f"(known: {', '.join(figure_names())})")
    figures = {key: _figure(key, value) for key, value in doc.items()}
    figures = {key: value for key, value in figures.items() if value is not None}
    if not figures:
        raise BadBaseline(f"no known figures (known: {', '.join(figure_names())})")
    return figures


def _figure(key: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BadBaseline(f"{key} is {str(value)[:40]!r}, not a number")
    if value < 0:
        raise BadBaseline(f"{key} is negative ({value})")
    return float(value)
