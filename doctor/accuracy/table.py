"""What `ascend-doctor eval` prints: the figure, its baseline and the verdict, one row each.

A row per field rather than a column: a metric and its filter ("exact_match,flexible-extract")
and a task name would not leave an 80-column line room for the figures beside them.
"""

from __future__ import annotations

from doctor.accuracy.document import Record
from doctor.model import ERROR, FAIL, PASS
from doctor.printable import printable

STYLES = {PASS: "bold green", FAIL: "bold red", ERROR: "bold magenta"}


def verdict(record: Record) -> str:
    if record.result is None:
        return ERROR
    if record.gate is None:
        return "-"
    return PASS if record.gate.passed else FAIL


def render(record: Record, console) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE, show_header=False, pad_edge=False)
    table.add_column("field", no_wrap=True, style="bold")
    table.add_column("value", overflow="fold")
    for field, value in rows(record):
        table.add_row(field, Text(printable(value)))
    word = verdict(record)
    table.add_row("verdict", Text(word, style=STYLES.get(word, "")))
    console.print(table)
    for line in _notes(record):
        console.print(Text(printable(line)), soft_wrap=True)     # a path cut in two cannot be pasted


def rows(record: Record) -> list[tuple[str, str]]:
    result, gate = record.result, record.gate
    value = "-" if result is None else f"{result.value:.4f}"
    if result is not None and result.stderr is not None:
        value += f" ± {result.stderr:.4f}"
    samples = "-" if result is None or result.samples is None else str(result.samples)
    found = [("service", record.url), ("model", record.model), ("task", record.task), ("metric", result.metric if result else "-"), ("value", value),
             ("samples", samples)]
    if gate is None:
        return found + [("baseline", "none: reported, not gated")]
    edge = ("floor", gate.floor) if gate.floor is not None else ("ceiling", gate.ceiling)
    return found + [("baseline", f"{gate.baseline.value:g} (tolerance {gate.baseline.tolerance:g})"),
                    (edge[0], f"{edge[1]:.4f}")]


def _notes(record: Record) -> list[str]:
    notes = []      # the errors went to stderr as they happened
    if record.gate is not None and record.result is not None and (record.gate.beyond_band or not record.gate.passed):
        notes.append(record.gate.sentence(record.result.task, record.result.metric))
    if record.gate is not None:
        notes.append(f"baseline from {record.gate.baseline.source}")
    if record.files.get("eval"):
        notes.append(f"written: {record.files['eval']}")
    return notes
