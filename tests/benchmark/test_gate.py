"""Baselines of both shapes, the gate's verdict, and malformed baselines."""

import json

import pytest

from doctor.benchmark.baseline import BadBaseline, parse_baseline
from doctor.benchmark.gate import describe, gate
from doctor.benchmark.results import parse_result
from tests.benchmark.test_results import fixture


def level(name: str, concurrency: int) -> dict:
    return {"concurrency": concurrency, "result": parse_result(fixture(name))}


SWEEP = [level("sweep-c1.json", 1), level("run-c4.json", 4)]    # output 111.9 and 280.7 tok/s


def flat(figures: dict):
    return parse_baseline("base.json", json.dumps(figures).encode())


def test_a_flat_baseline_applies_to_every_level_and_names_the_figure_that_regressed():
    verdict = gate(SWEEP, flat({"output_throughput": 250, "median_ttft_ms": 1000}), 10.0)
    assert verdict["passed"] is False
    [regression] = verdict["regressions"]     # 111.9 is 55% below 250; 280.7 is above it
    assert (regression["concurrency"], regression["figure"], regression["baseline"]) == (1, "output_throughput", 250)
    assert regression["change_pct"] == pytest.approx(-55.23, abs=0.01)
    assert describe(regression) == "output_throughput at concurrency 1: 111.92 against baseline 250.00 (-55.2%)"


def test_a_latency_above_the_baseline_by_more_than_allowed_fails_and_within_it_passes():
    median = SWEEP[1]["result"]["ttft_ms"]["median"]           # 44.56 ms at concurrency 4
    assert gate(SWEEP[1:], flat({"median_ttft_ms": median / 1.2}), 10.0)["passed"] is False
    assert gate(SWEEP[1:], flat({"median_ttft_ms": median / 1.05}), 10.0)["passed"] is True
    assert gate(SWEEP[1:], flat({"median_ttft_ms": median / 1.2}), 25.0)["passed"] is True


def test_an_earlier_bench_json_is_compared_level_by_level():
    earlier = {"schema": "ascend-doctor-bench/1", "sweep": [
        {"concurrency": 1, "result": SWEEP[0]["result"]},
        {"concurrency": 4, "result": {**SWEEP[1]["result"], "output_throughput": 400.0}},
        {"concurrency": 16, "result": {**SWEEP[1]["result"], "output_throughput": 9000.0}}]}
    baseline = parse_baseline("bench.json", json.dumps(earlier).encode())
    verdict = gate(SWEEP, baseline, 10.0)
    assert [(r["concurrency"], r["figure"]) for r in verdict["regressions"]] == [(4, "output_throughput")]
    assert baseline.levels() == [1, 4, 16]


def test_failed_requests_fail_even_without_a_baseline():
    verdict = gate([level("some-failed.json", 4)], None, 10.0)
    assert verdict == {"baseline": None, "max_regression_pct": None, "passed": False, "regressions": [
        {"concurrency": 4, "figure": "failed", "baseline": 0, "measured": 3, "change_pct": None}]}
    assert describe(verdict["regressions"][0]) == "3 request(s) failed at concurrency 4"


def test_nothing_to_judge_is_no_gate():
    assert gate(SWEEP, None, 10.0) is None


def test_a_raw_vllm_result_serves_as_a_flat_baseline():
    baseline = parse_baseline("raw.json", fixture("run-c4.json").encode())
    assert baseline.everywhere["output_throughput"] == pytest.approx(280.7059994495587)


@pytest.mark.parametrize("data, words", [
    (b"{not json", "not JSON"),
    (b"\xff\xfe", "not JSON"),
    (b"[300]", "a JSON list, not an object"),
    (b'{"schema": "ascend-doctor-report/1"}', "schema 'ascend-doctor-report/1' is not ascend-doctor-bench/1"),
    (b'{"schema": "ascend-doctor-bench/1", "sweep": []}', "no measured level"),
    (b'{"throughput": 300}', "unknown figure(s) throughput"),
    (b'{}', "no known figures"),
    (b'{"output_throughput": -5}', "output_throughput is negative"),
    (b'{"output_throughput": "300"}', "output_throughput is '300', not a number"),
    (b'{"output_throughput": true}', "not a number"),
    (b" " * (1 << 20) + b"{}", "larger than 1 MiB"),
])
def test_malformed_baselines_say_what_is_wrong(data, words):
    with pytest.raises(BadBaseline) as caught:
        parse_baseline("b.json", data)
    assert words in str(caught.value)
