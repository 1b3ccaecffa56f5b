"""The short table `ascend-doctor eval` prints: the figure, its baseline and the verdict."""

from __future__ import annotations

from doctor.accuracy.document import Record
from doctor.model import ERROR, FAIL, PASS
from doctor.printable import printable

STYLES = {PASS: "bold green", FAIL: "bold red", ERROR: "bold magenta"}
COLUMNS = ("task", "metric", "value", "n", "baseline", "floor", "verdict")


def verdict(record: Record) -> str:
    if record.result is None:
        return ERROR
    if record.gate is None:
        return "-"
    return PASS if record.gate.passed else FAIL


def render(record: Record, console) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"{printable(record.model)} at {printable(record.url)}", title_justify="left")
    for column in COLUMNS:
        table.add_column(column, overflow="fold", justify="right" if column in ("n",) else "left")
    word = verdict(record)
    table.add_row(*[Text(printable(cell)) for cell in _cells(record)], Text(word, style=STYLES.get(word, "")))
    console.print(table)
    for line in _notes(record):
        console.print(Text(printable(line)))


def _cells(record: Record) -> list[str]:
    result, gate = record.result, record.gate
    value = "-" if result is None else f"{result.value:.4f}"
    if result is not None and result.stderr is not None:
        value += f" ± {result.stderr:.4f}"
    samples = "-" if result is None or result.samples is None else str(result.samples)
    baseline = "-" if gate is None else f"{gate.baseline.value:g}"
    edge = "-" if gate is None else f"{gate.floor:.4f}" if gate.floor is not None else f"≤ {gate.ceiling:.4f}"
    return [record.task, result.metric if result else "-", value, samples, baseline, edge]


def _notes(record: Record) -> list[str]:
    notes = []      # the errors went to stderr as they happened
    if record.gate is not None and record.result is not None and (record.gate.beyond_band or not record.gate.passed):
        notes.append(record.gate.sentence(record.result.task, record.result.metric))
    if record.gate is not None:
        notes.append(f"baseline: {record.gate.baseline.source}")
    if record.files.get("eval"):
        notes.append(f"written: {record.files['eval']}")
    return notes
