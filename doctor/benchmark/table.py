"""The report on stdout: one column per concurrency level, one row per figure, then the verdict."""

from __future__ import annotations

from doctor.benchmark.gate import describe
from doctor.printable import printable

ROWS = (
    ("completed requests", "completed", "{:d}"),
    ("failed requests", "failed", "{:d}"),
    ("requests/s", "request_throughput", "{:.2f}"),
    ("output tok/s", "output_throughput", "{:.1f}"),
    ("total tok/s", "total_token_throughput", "{:.1f}"),
    *((f"{metric.upper()} {stat} ms", (f"{metric}_ms", stat), "{:.1f}")
      for metric in ("ttft", "tpot", "itl", "e2el") for stat in ("median", "p99")),
    ("duration s", "duration_s", "{:.2f}"),
)


def _value(result: dict, key) -> object:
    if isinstance(key, tuple):
        return (result.get(key[0]) or {}).get(key[1])
    return result.get(key)


def _cell(result: dict, key, form: str) -> str:
    value = _value(result, key)
    return "-" if value is None else form.format(value)


def render(doc: dict, console) -> None:
    from rich.table import Table

    if doc["sweep"]:
        table = Table(title=f"vLLM serving benchmark: {printable(str(doc['model']))}", title_justify="left")
        table.add_column("figure", no_wrap=True)
        for level in doc["sweep"]:
            table.add_column(f"c={level['concurrency'] if level['concurrency'] is not None else '?'}",
                             justify="right", no_wrap=True)
        for label, key, form in ROWS:
            table.add_row(label, *(_cell(level["result"], key, form) for level in doc["sweep"]))
        console.print(table)
    for line in verdict_lines(doc):
        console.print(line, style=_style(line), markup=False)


def verdict_lines(doc: dict) -> list[str]:
    lines = [f"error: {printable(error)}" for error in doc["errors"]]
    gate = doc["gate"]
    if gate is not None and gate["passed"]:
        lines.append(f"gate passed: no figure worse than {gate['baseline']} by more than "
                     f"{gate['max_regression_pct']:g}%")
    elif gate is not None:
        lines.append("gate FAILED:")
        lines += [f"  {printable(describe(r))}" for r in gate["regressions"]]
    elif not doc["errors"]:
        lines.append("measured; no --baseline to compare with")
    lines.append(f"results in {printable(doc['files']['dir'])}")
    return lines


def _style(line: str) -> str:
    if line.startswith(("error", "gate FAILED", "  ")):
        return "bold red"
    return "green" if line.startswith("gate passed") else ""
