"""The table on stdout fits 80 columns, whatever the names."""

import io

from doctor.accuracy.document import Record
from doctor.accuracy.gate import Baseline, Verdict
from doctor.accuracy.results import Measured
from doctor.accuracy.table import render
from doctor.runtime import Runtime


def _printed(record: Record) -> str:
    out = io.StringIO()
    render(record, Runtime(stdout=out, environ={"COLUMNS": "80"}).console())
    return out.getvalue()


def _widest_row(text: str) -> int:
    """The table's rows; the notes under it are prose, printed whole for the terminal to wrap."""
    return max(len(line) for line in text.splitlines() if line.startswith(" ") or not line.strip())


def _record(task="gsm8k", **fields) -> Record:
    return Record(url="http://127.0.0.1:8000", model="Qwen/Qwen2.5-VL-32B-Instruct", task=task, limit=None,
                  num_fewshot=5, command=[], **fields)


def test_a_failed_gate_at_80_columns():
    figure = Measured("gsm8k", "exact_match,flexible-extract", 0.1234, 0.0091, 1319)
    text = _printed(_record(result=figure, gate=Verdict(Baseline(0.45, 0.05, source="vllm-ascend"), 0.1234)))
    assert _widest_row(text) <= 80
    for shown in ("gsm8k", "exact_match,flexible-extract", "0.1234 ± 0.0091", "1319", "0.45 (tolerance 0.05)",
                  "floor ", "FAIL", "below the floor 0.4275"):
        assert shown in text, shown


def test_a_run_that_measured_nothing_says_error():
    text = _printed(_record(errors=["lm-eval did not finish within --timeout 60 s and was stopped"]))
    assert "ERROR" in text and _widest_row(text) <= 80


def test_no_baseline_is_a_report_without_a_verdict():
    text = _printed(_record(result=Measured("gsm8k", "exact_match,strict-match", 0.5, None, 4)))
    assert "0.5000 " in text and "PASS" not in text and "FAIL" not in text
