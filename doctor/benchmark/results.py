"""A result file of vLLM's serving benchmark (`--save-result`) -> the figures the report shows.

Key names follow vLLM's: `completed`, `request_throughput`, `<stat>_<metric>_ms` with stat mean,
median (or p50), p99. Older releases (benchmarks/benchmark_serving.py) wrote no `failed`, no p50_
and no e2el keys: those figures are None, never made up. With no completed request vLLM writes 0
for every latency; those zeros are not measurements and become None too.
"""

from __future__ import annotations

import json
import math

THROUGHPUTS = ("request_throughput", "output_throughput", "total_token_throughput")
LATENCY_METRICS = ("ttft", "tpot", "itl", "e2el")
STATS = ("mean", "median", "p99")
REQUIRED = ("completed", "duration", "request_throughput", "output_throughput")


class NotAResult(ValueError):
    """The text is not a result of vLLM's serving benchmark; the message says why."""


def parse_result(text: str) -> dict:
    """The figures of one run, as bench.json's `result`; NotAResult for anything else."""
    try:
        raw = json.loads(text)
    except RecursionError:
        raise NotAResult("JSON nested too deeply") from None
    except ValueError as exc:
        raise NotAResult(f"not JSON ({exc}); truncated?") from None
    return figures_of(raw)


def figures_of(raw: object) -> dict:
    if not isinstance(raw, dict):
        raise NotAResult(f"a JSON {type(raw).__name__}, not the object vLLM's benchmark writes")
    missing = [key for key in REQUIRED if key not in raw]
    if missing:
        raise NotAResult(f"no {', '.join(missing)}: not a result of `vllm bench serve`")
    completed = _count(raw, "completed")
    result = {"completed": completed, "failed": _count(raw, "failed", optional=True)}
    for key in THROUGHPUTS:
        result[key] = _number(raw, key, optional=key == "total_token_throughput")
    for metric in LATENCY_METRICS:
        result[f"{metric}_ms"] = {stat: None if completed == 0 else _stat(raw, stat, metric) for stat in STATS}
    result["duration_s"] = _number(raw, "duration")
    result["max_concurrency"] = _count(raw, "max_concurrency", optional=True)
    result["num_prompts"] = _count(raw, "num_prompts", optional=True)
    return result


def _stat(raw: dict, stat: str, metric: str) -> float | None:
    value = _number(raw, f"{stat}_{metric}_ms", optional=True)
    if value is None and stat == "median":
        value = _number(raw, f"p50_{metric}_ms", optional=True)
    return value


def _number(raw: dict, key: str, optional: bool = False) -> float | None:
    value = raw.get(key)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise NotAResult(f"{key} is {_shown(value)}, not a number of at least 0")
    return float(value)


def _count(raw: dict, key: str, optional: bool = False) -> int | None:
    value = raw.get(key)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise NotAResult(f"{key} is {_shown(value)}, not a count")
    return value


def _shown(value: object) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:40] + "..."


def flat_figures(result: dict) -> dict[str, float]:
    """The figures of a result under vLLM's key names (median_ttft_ms ...), those reported only."""
    flat = {key: result.get(key) for key in THROUGHPUTS}
    for metric in LATENCY_METRICS:
        for stat, value in (result.get(f"{metric}_ms") or {}).items():
            flat[f"{stat}_{metric}_ms"] = value
    return {key: value for key, value in flat.items() if value is not None}


def figure_names() -> tuple[str, ...]:
    return THROUGHPUTS + tuple(f"{stat}_{metric}_ms" for metric in LATENCY_METRICS for stat in STATS)
