"""Result files of real `vllm bench serve` runs (tests/fixtures/vllm_bench/SOURCES.md) and broken ones."""

import json
from pathlib import Path

import pytest

from doctor.benchmark.results import NotAResult, flat_figures, parse_result

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "vllm_bench"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def test_a_run_of_vllm_0_32():
    result = parse_result(fixture("run-c4.json"))
    assert result["completed"] == 8 and result["failed"] == 0
    assert result["max_concurrency"] == 4 and result["num_prompts"] == 8
    assert result["output_throughput"] == pytest.approx(280.7059994495587)
    assert result["ttft_ms"] == {"mean": pytest.approx(48.47808287559019), "median": pytest.approx(44.55520450210315),
                                 "p99": pytest.approx(56.87850938484189)}
    assert result["e2el_ms"]["p99"] == pytest.approx(231.42290855808824)
    assert result["duration_s"] == pytest.approx(0.45599310399848036)


def test_failed_requests_are_counted():
    result = parse_result(fixture("some-failed.json"))
    assert (result["completed"], result["failed"]) == (9, 3)


def test_with_nothing_completed_vllms_zero_latencies_are_not_figures():
    result = parse_result(fixture("all-failed.json"))
    assert (result["completed"], result["failed"]) == (0, 4)
    assert result["ttft_ms"] == {"mean": None, "median": None, "p99": None}
    assert result["output_throughput"] == 0.0


def test_an_older_benchmark_serving_file_has_null_for_what_it_did_not_report():
    result = parse_result(fixture("benchmark-serving-2025-05.json"))
    assert result["completed"] == 300 and result["failed"] is None and result["max_concurrency"] is None
    assert result["e2el_ms"] == {"mean": None, "median": None, "p99": None}
    assert result["itl_ms"]["median"] == pytest.approx(12.841573499827064)


def test_median_falls_back_to_p50():
    raw = json.loads(fixture("run-c4.json"))
    del raw["median_ttft_ms"]
    assert parse_result(json.dumps(raw))["ttft_ms"]["median"] == pytest.approx(raw["p50_ttft_ms"])


@pytest.mark.parametrize("text, words", [
    (fixture("run-c4.json")[:700], "not JSON"),
    ("[1, 2]", "a JSON list"),
    ('{"completed": 8}', "no duration, request_throughput, output_throughput"),
    (json.dumps({**json.loads(fixture("run-c4.json")), "completed": "8"}), 'completed is "8", not a count'),
    (json.dumps({**json.loads(fixture("run-c4.json")), "output_throughput": -1}), "output_throughput is -1"),
    (json.dumps({**json.loads(fixture("run-c4.json")), "p99_ttft_ms": "fast"}), "p99_ttft_ms"),
    ("[" * 100000, "nested too deeply"),
])
def test_garbled_and_truncated_files_are_refused_with_the_reason(text, words):
    with pytest.raises(NotAResult) as caught:
        parse_result(text)
    assert words in str(caught.value)


def test_flat_figures_use_vllms_key_names_and_leave_out_the_unreported():
    flat = flat_figures(parse_result(fixture("benchmark-serving-2025-05.json")))
    assert flat["median_ttft_ms"] == pytest.approx(52.999333499883505)
    assert "median_e2el_ms" not in flat


def test_every_result_file_names_its_source():
    sources = (FIXTURES / "SOURCES.md").read_text()
    unnamed = [path.name for path in FIXTURES.glob("*.json") if f"`{path.name}`" not in sources]
    assert unnamed == []
