"""The latest run of each series against the one before it and against its baseline gate."""

from __future__ import annotations

from dataclasses import dataclass, field

from doctor.results.store import Run


@dataclass(frozen=True)
class Figure:
    name: str
    unit: str
    higher_is_better: bool
    latest: float | None
    previous: float | None
    baseline: float | None = None

    @property
    def change_pct(self) -> float | None:
        if self.latest is None or not self.previous:
            return None
        return round((self.latest - self.previous) / self.previous * 100, 1)

    @property
    def worse(self) -> bool:
        change = self.change_pct
        return change is not None and (change < 0 if self.higher_is_better else change > 0)


@dataclass(frozen=True)
class Series:
    series: str
    kind: str
    runs: int
    latest: Run
    previous: Run | None
    figures: tuple[Figure, ...]
    gate: str                    # passed | failed | none
    gate_detail: str
    errors: tuple[str, ...] = field(default_factory=tuple)

    @property
    def failed(self) -> bool:
        return self.gate == "failed"


# (name, unit, path in the document's result, higher is better)
BENCH_FIGURES = (
    ("output throughput", "tok/s", ("output_throughput",), True),
    ("request throughput", "req/s", ("request_throughput",), True),
    ("TTFT median", "ms", ("ttft_ms", "median"), False),
    ("TPOT median", "ms", ("tpot_ms", "median"), False),
    ("failed requests", "", ("failed",), False),
)


def compare(runs: list[Run]) -> list[Series]:
    """One Series per (series, kind) holding at least one readable run, in series order."""
    grouped: dict[tuple[str, str], list[Run]] = {}
    for run in runs:
        if run.document is not None:
            grouped.setdefault((run.series, run.kind), []).append(run)
    return [_series(key, sorted(found, key=lambda r: (r.started, r.folder))) for key, found in sorted(grouped.items())]


def _series(key: tuple[str, str], ordered: list[Run]) -> Series:
    latest, previous = ordered[-1], (ordered[-2] if len(ordered) > 1 else None)
    figures = _bench_figures(latest, previous) if key[1] == "bench" else _eval_figures(latest, previous)
    gate, detail = _gate(latest.document)
    errors = tuple(str(e) for e in _list(latest.document.get("errors")))
    return Series(series=key[0], kind=key[1], runs=len(ordered), latest=latest, previous=previous,
                  figures=figures, gate=gate, gate_detail=detail, errors=errors)


def _bench_figures(latest: Run, previous: Run | None) -> tuple[Figure, ...]:
    now, before = _dict(latest.document.get("result")), _dict((previous.document if previous else {}).get("result"))
    return tuple(Figure(name, unit, better, _at(now, path), _at(before, path))
                 for name, unit, path, better in BENCH_FIGURES)


def _eval_figures(latest: Run, previous: Run | None) -> tuple[Figure, ...]:
    now, before = _dict(latest.document.get("result")), _dict((previous.document if previous else {}).get("result"))
    gate = _dict(latest.document.get("gate"))
    name = f"{now.get('task', '?')} {now.get('metric', '?')}"
    return (Figure(name, "", True, _at(now, ("value",)), _at(before, ("value",)), _number(gate.get("baseline"))),)


def _gate(document: dict) -> tuple[str, str]:
    gate = document.get("gate")
    if not isinstance(gate, dict):
        return "none", "no baseline"
    passed = gate.get("passed")
    if passed is True:
        return "passed", _gate_source(gate)
    if passed is False:
        return "failed", "; ".join(_regression(r) for r in _list(gate.get("regressions"))) or _gate_source(gate)
    return "none", "gate undecided"


def _gate_source(gate: dict) -> str:
    if "floor" in gate:
        return f"floor {gate.get('floor')} (baseline {gate.get('baseline')})"
    return f"baseline {gate.get('baseline')}"


def _regression(item: object) -> str:
    r = _dict(item)
    where = f" at concurrency {r['concurrency']}" if r.get("concurrency") is not None else ""
    return f"{r.get('figure')}{where}: {r.get('measured')} vs {r.get('baseline')} ({r.get('change_pct')}%)"


def _at(mapping: dict, path: tuple[str, ...]) -> float | None:
    value: object = mapping
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return _number(value)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list:
    return value if isinstance(value, list) else []
