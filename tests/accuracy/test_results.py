"""lm-eval's results files, real ones captured here (tests/fixtures/lm_eval) and broken ones."""

import json
import os

import pytest

from doctor.accuracy import results
from doctor.accuracy.results import ResultsError
from tests.accuracy.fakes import FIXTURES


@pytest.mark.parametrize("name, samples", [("adoc_arith_limit4_results.json", 4), ("adoc_arith_full_results.json", 20)])
def test_real_results_files(name, samples):
    found = results.load(str(FIXTURES / name))
    assert found.lm_eval_version == "0.4.13"
    assert found.metrics == {"adoc_arith": {"exact_match,first-number": 0.0}}
    figure = results.measured(found, "adoc_arith", None)
    assert (figure.metric, figure.value, figure.stderr, figure.samples) == ("exact_match,first-number", 0.0, 0.0, samples)
    assert figure.higher_is_better


def _written(tmp_path, doc) -> str:
    path = tmp_path / "results_x.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return str(path)


GSM8K = {"results": {"gsm8k": {"alias": "gsm8k", "exact_match,strict-match": 0.44,
                               "exact_match_stderr,strict-match": 0.0137, "exact_match,flexible-extract": 0.45,
                               "exact_match_stderr,flexible-extract": "N/A"}},
         "n-samples": {"gsm8k": {"original": 1319, "effective": 1319}},
         "higher_is_better": {"gsm8k": {"exact_match": True}}}


def test_a_metric_is_found_by_its_full_key_or_its_bare_name(tmp_path):
    found = results.load(_written(tmp_path, GSM8K))
    assert results.measured(found, "gsm8k", "exact_match,flexible-extract").value == 0.45
    assert results.measured(found, "gsm8k", "exact_match,flexible-extract").stderr is None      # "N/A"
    bare = results.measured(found, "gsm8k", "exact_match")
    assert (bare.metric, bare.value, bare.stderr, bare.samples) == ("exact_match,strict-match", 0.44, 0.0137, 1319)


def test_a_group_counts_its_subtasks_samples(tmp_path):
    doc = {"results": {"mmmu_val": {"acc,none": 0.55, "acc_stderr,none": 0.016},
                       "mmmu_val_art": {"acc,none": 0.6}, "mmmu_val_math": {"acc,none": 0.5}},
           "group_subtasks": {"mmmu_val": ["mmmu_val_art", "mmmu_val_math"]},
           "n-samples": {"mmmu_val_art": {"effective": 30}, "mmmu_val_math": {"effective": 30}}}
    assert results.measured(results.load(_written(tmp_path, doc)), "mmmu_val", "acc").samples == 60


def test_a_group_naming_itself_does_not_loop(tmp_path):
    doc = {"results": {"g": {"acc,none": 0.5}}, "group_subtasks": {"g": ["g"]}}
    assert results.measured(results.load(_written(tmp_path, doc)), "g", None).samples is None


@pytest.mark.parametrize("text, words", [
    (json.dumps(GSM8K)[:80], "is not JSON"),             # cut off while written
    ("\x00\x01garbage{{", "is not JSON"),
    (json.dumps([1, 2]), 'no "results" object'),
    (json.dumps({"schema": "something-else/1", "value": 1}), 'no "results" object'),
])
def test_a_broken_or_foreign_file_is_named_in_one_clear_error(tmp_path, text, words):
    path = _written(tmp_path, text)
    with pytest.raises(ResultsError) as caught:
        results.load(path)
    assert words in str(caught.value) and path in str(caught.value)


def test_a_missing_task_or_metric_names_what_the_file_has(tmp_path):
    found = results.load(_written(tmp_path, GSM8K))
    with pytest.raises(ResultsError, match=r"no results for task mmmu_val \(it has: gsm8k\)"):
        results.measured(found, "mmmu_val", None)
    with pytest.raises(ResultsError, match="no metric acc for task gsm8k"):
        results.measured(found, "gsm8k", "acc")


def test_non_numbers_and_non_finite_figures_are_not_metrics(tmp_path):
    doc = {"results": {"t": {"acc,none": True, "f1,none": "0.5", "bleu,none": float("inf"), "em,none": 0.25}}}
    assert results.load(_written(tmp_path, doc)).metrics == {"t": {"em,none": 0.25}}


def test_the_newest_results_file_under_the_output_path(tmp_path):
    assert results.newest_file(str(tmp_path)) is None
    (tmp_path / "Qwen__Qwen3-8B").mkdir()
    path = tmp_path / "Qwen__Qwen3-8B" / "results_2026-01-01T00-00-00.json"
    path.write_text("{}")
    assert results.newest_file(str(tmp_path)) == str(path)
    os.utime(path, (1000, 1000))        # left by an earlier run
    assert results.newest_file(str(tmp_path), since=2000) is None
