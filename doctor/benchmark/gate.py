"""The verdict: a throughput below the baseline, or a latency above it, by more than the allowed
percentage fails; so does any failed request."""

from __future__ import annotations

import math

from doctor.benchmark.baseline import Baseline
from doctor.benchmark.results import THROUGHPUTS, flat_figures


def gate(sweep: list[dict], baseline: Baseline | None, max_regression_pct: float) -> dict | None:
    """bench.json's `gate`: None when there is nothing to judge (no baseline, no failed request)."""
    regressions = [*_failed_requests(sweep)]
    if baseline is not None:
        for level in sweep:
            figures = baseline.figures_at(level["concurrency"])
            if figures:
                regressions += _regressions(level, figures, max_regression_pct)
    if baseline is None and not regressions:
        return None
    return {"baseline": baseline.path if baseline else None,
            "max_regression_pct": max_regression_pct if baseline else None,
            "passed": not regressions, "regressions": regressions}


def _failed_requests(sweep: list[dict]) -> list[dict]:
    return [{"concurrency": level["concurrency"], "figure": "failed", "baseline": 0,
             "measured": level["result"]["failed"], "change_pct": None}
            for level in sweep if level["result"].get("failed")]


def _regressions(level: dict, baseline: dict[str, float], allowed_pct: float) -> list[dict]:
    found = []
    measured = flat_figures(level["result"])
    for figure, expected in baseline.items():
        value = measured.get(figure)
        if value is None:
            continue
        change = _change_pct(expected, value)
        worse = -change if figure in THROUGHPUTS else change
        if worse > allowed_pct:
            found.append({"concurrency": level["concurrency"], "figure": figure, "baseline": expected,
                          "measured": value, "change_pct": round(change, 2) if math.isfinite(change) else None})
    return found


def _change_pct(expected: float, value: float) -> float:
    if expected == 0:
        return 0.0 if value == 0 else float("inf")
    return (value - expected) / expected * 100


def describe(regression: dict) -> str:
    """One line: which figure, at which concurrency, baseline against measured, by how much."""
    where = f"at concurrency {regression['concurrency']}" if regression["concurrency"] is not None else ""
    if regression["figure"] == "failed":
        return f"{regression['measured']} request(s) failed {where}".strip()
    change = regression["change_pct"]
    by = "from 0" if change is None else f"{change:+.1f}%"
    return (f"{regression['figure']} {where}: {regression['measured']:.2f} against baseline "
            f"{regression['baseline']:.2f} ({by})")
