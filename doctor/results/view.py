"""The comparison as a table for people and as JSON (ascend-doctor-results/1)."""

from __future__ import annotations

import json

from doctor.printable import printable
from doctor.results.compare import Figure, Series
from doctor.results.store import Run

SCHEMA = "ascend-doctor-results/1"


def to_json(root: str, series: list[Series], unreadable: list[Run]) -> str:
    return json.dumps({
        "schema": SCHEMA,
        "root": root,
        "series": [_series_json(s) for s in series],
        "unreadable": [{"path": str(r.path), "problem": r.problem} for r in unreadable],
    }, indent=2)


def _series_json(s: Series) -> dict:
    return {
        "series": s.series, "kind": s.kind, "runs": s.runs,
        "latest": _run_json(s.latest), "previous": _run_json(s.previous) if s.previous else None,
        "gate": s.gate, "gate_detail": s.gate_detail, "errors": list(s.errors),
        "figures": [{"name": f.name, "unit": f.unit, "higher_is_better": f.higher_is_better, "latest": f.latest,
                     "previous": f.previous, "change_pct": f.change_pct, "baseline": f.baseline}
                    for f in s.figures],
    }


def _run_json(run: Run) -> dict:
    return {"folder": run.folder, "started": run.started, "path": str(run.path)}


def render(console, series: list[Series], unreadable: list[Run]) -> None:
    from rich.table import Table

    for s in series:
        table = Table(title=_title(s), title_justify="left", show_edge=False, pad_edge=False)
        for column, justify in (("figure", "left"), ("latest", "right"), ("previous", "right"),
                                ("change", "right"), ("baseline", "right")):
            table.add_column(column, justify=justify, overflow="fold")
        for figure in s.figures:
            table.add_row(printable(_label(figure)), _value(figure.latest), _value(figure.previous),
                          _change(figure), _value(figure.baseline))
        console.print(table)
        console.print(f"  gate: {s.gate} ({printable(s.gate_detail)})", markup=False)
        for error in s.errors:
            console.print(f"  incomplete run: {printable(error)}", markup=False)
        console.print()
    for run in unreadable:
        console.print(f"unreadable: {printable(str(run.path))}: {printable(run.problem or '')}", markup=False)


def _title(s: Series) -> str:
    before = f", previous {s.previous.folder}" if s.previous else ", no previous run"
    return printable(f"{s.series}  {s.kind}  latest {s.latest.folder} ({s.runs} runs{before})").replace("[", r"\[")


def _label(figure: Figure) -> str:
    return f"{figure.name} ({figure.unit})" if figure.unit else figure.name


def _value(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"


def _change(figure: Figure) -> str:
    change = figure.change_pct
    if change is None:
        return "-"
    return f"{change:+.1f}%" + (" worse" if figure.worse else "")
