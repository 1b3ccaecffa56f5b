"""`ascend-doctor results`: runs found under the evaluate role's layout, compared, gated, bad files named."""

from __future__ import annotations

import io
import json

from doctor.cli import main
from doctor.runtime import Runtime


def bench_doc(started: str, output: float, ttft: float, failed: int = 0, gate: dict | None = None) -> dict:
    return {"schema": "ascend-doctor-bench/1", "started": started, "model": "tiny",
            "result": {"completed": 8 - failed, "failed": failed, "output_throughput": output,
                       "request_throughput": output / 16, "ttft_ms": {"median": ttft, "p99": ttft * 2},
                       "tpot_ms": {"median": 5.0, "p99": 9.0}},
            "gate": gate, "errors": []}


def eval_doc(started: str, value: float, gate: dict | None = None) -> dict:
    return {"schema": "ascend-doctor-eval/1", "started": started, "model": "tiny",
            "result": {"task": "adoc_arith", "metric": "exact_match,strict-match", "value": value,
                       "stderr": 0.1, "samples": 4}, "gate": gate, "errors": []}


def write(root, host, service, stamp, name, doc) -> None:
    folder = root / host / service / stamp
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(doc if isinstance(doc, str) else json.dumps(doc))


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["results", *argv], Runtime(stdout=out, stderr=err, stdin=None, environ={"COLUMNS": "100"}))
    return code, out.getvalue(), err.getvalue()


def test_latest_against_previous_and_its_gate(tmp_path):
    write(tmp_path, "dp-1", "svc", "20261203T100000Z", "bench.json", bench_doc("2026-12-03T10:00:00Z", 400, 100))
    write(tmp_path, "dp-1", "svc", "20261203T110000Z", "bench.json",
          bench_doc("2026-12-03T11:00:00Z", 300, 150, gate={"baseline": "b.json", "passed": True, "regressions": []}))
    code, out, _ = run(str(tmp_path), "--json")
    assert code == 0
    [series] = json.loads(out)["series"]
    assert (series["series"], series["kind"], series["runs"]) == ("dp-1/svc", "bench", 2)
    assert series["latest"]["folder"] == "20261203T110000Z" and series["previous"]["folder"] == "20261203T100000Z"
    figures = {f["name"]: f for f in series["figures"]}
    assert figures["output throughput"]["change_pct"] == -25.0
    assert figures["TTFT median"]["change_pct"] == 50.0
    assert series["gate"] == "passed"


def test_a_failed_gate_in_the_latest_run_exits_1_and_is_named(tmp_path):
    failed_gate = {"baseline": "b.json", "passed": False, "regressions": [
        {"concurrency": 4, "figure": "output_throughput", "baseline": 400, "measured": 300, "change_pct": -25.0}]}
    write(tmp_path, "dp-1", "svc", "20261203T110000Z", "bench.json", bench_doc("2026-12-03T11:00:00Z", 300, 150,
                                                                                gate=failed_gate))
    write(tmp_path, "dp-2", "svc", "20261203T110000Z", "eval.json",
          eval_doc("2026-12-03T11:00:00Z", 0.5, gate={"baseline": 0.55, "tolerance": 0.05, "floor": 0.5225,
                                                        "passed": False}))
    code, out, _ = run(str(tmp_path))
    assert code == 1
    assert "output_throughput at concurrency 4: 300 vs 400 (-25.0%)" in out
    assert "floor 0.5225 (baseline 0.55)" in out


def test_an_older_run_passing_does_not_hide_a_newer_failure(tmp_path):
    write(tmp_path, "h", "s", "20261203T090000Z", "eval.json",
          eval_doc("2026-12-03T12:00:00Z", 0.2, gate={"baseline": 0.5, "floor": 0.475, "passed": False}))
    write(tmp_path, "h", "s", "20261203T100000Z", "eval.json",
          eval_doc("2026-12-03T10:00:00Z", 0.6, gate={"baseline": 0.5, "floor": 0.475, "passed": True}))
    code, out, _ = run(str(tmp_path), "--json")
    assert code == 1          # ordered by when the run started, not by the folder's name
    assert json.loads(out)["series"][0]["latest"]["folder"] == "20261203T090000Z"


def test_garbled_and_foreign_files_are_named_and_the_rest_still_compared(tmp_path):
    write(tmp_path, "h", "s", "20261203T100000Z", "bench.json", bench_doc("2026-12-03T10:00:00Z", 400, 100))
    write(tmp_path, "h", "s", "20261203T110000Z", "bench.json", '{"schema": "ascend-doctor-bench/1", "resu')
    write(tmp_path, "h", "t", "20261203T110000Z", "eval.json", {"results": {}})
    code, out, _ = run(str(tmp_path), "--json")
    document = json.loads(out)
    assert code == 0 and [s["series"] for s in document["series"]] == ["h/s"]
    problems = {p["path"].split("/h/")[1]: p["problem"] for p in document["unreadable"]}
    assert "truncated" in problems["s/20261203T110000Z/bench.json"]
    assert "not an ascend-doctor-eval/1 document" in problems["t/20261203T110000Z/eval.json"]


def test_a_missing_or_empty_folder_is_a_usage_error(tmp_path):
    assert run(str(tmp_path / "nowhere"))[0] == 2
    code, _, err = run(str(tmp_path))
    assert code == 2 and "no bench.json or eval.json" in err


def test_the_table_fits_80_columns(tmp_path):
    write(tmp_path, "a-rather-long-host-name.example.com", "a-long-service-name", "20261203T100000Z", "bench.json",
          bench_doc("2026-12-03T10:00:00Z", 123456.7, 100))
    out, err = io.StringIO(), io.StringIO()
    code = main(["results", str(tmp_path)], Runtime(stdout=out, stderr=err, stdin=None, environ={"COLUMNS": "80"}))
    assert code == 0
    assert max(len(line) for line in out.getvalue().splitlines()) <= 80
    assert "123,457" in out.getvalue()
