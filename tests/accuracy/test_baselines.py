"""Published baselines by recipe, and --baseline as a number or a file."""

import json

import pytest

from doctor.accuracy import baselines
from doctor.errors import UsageError
from doctor.recipes import load, names

SOURCE_COMMIT = "182b75ea84ff13ece27b57391331ef8935410aea"


def test_the_recipe_of_qwen3_vl_8b_gates_on_vllm_ascends_mmmu_figure():
    found = baselines.for_model(load("qwen3-vl-8b").model)
    assert (found.task, found.metric, found.value, found.tolerance, found.num_fewshot) == (
        "mmmu_val", "acc,none", 0.55, 0.05, 0)
    assert "tests/e2e/models/configs/Qwen3-VL-8B-Instruct.yaml @ 182b75ea84ff" in found.source


def test_qwen2_audio_has_both_gsm8k_filters_with_five_shots():
    model = load("qwen2-audio-7b").model
    strict, flexible = baselines.for_model(model), baselines.for_model(model, metric="exact_match,flexible-extract")
    assert (strict.task, strict.metric, strict.value, strict.num_fewshot) == (
        "gsm8k", "exact_match,strict-match", 0.44, 5)
    assert flexible.value == 0.45


def test_a_task_the_model_has_no_figure_for_finds_none():
    assert baselines.for_model("Qwen/Qwen3-VL-8B-Instruct", task="gsm8k") is None
    assert baselines.for_model("OpenGVLab/InternVL3-8B") is None


def test_every_published_figure_has_a_task_metric_value_and_source():
    data = baselines.published()
    assert data["tolerance"]["value"] == 0.05 and data["tolerance"]["source"]["commit"] == SOURCE_COMMIT
    for model, entries in data["models"].items():
        for entry in entries:
            assert {"task", "metric", "value", "num_fewshot", "apply_chat_template", "kind", "source"} <= set(entry)
            assert "," in entry["metric"] and 0 < entry["value"] < 1, model
            assert entry["kind"] in ("ci", "reference") and entry["source"]["repository"] == "vllm-project/vllm-ascend"


def test_the_recipes_models_that_vllm_ascend_measured_are_all_there():
    """Those with a config in vllm-ascend's accuracy tests, or a figure in their tutorial."""
    served = {load(name).model for name in names()}
    published = set(baselines.published()["models"])
    assert {"Qwen/Qwen3-VL-8B-Instruct", "Qwen/Qwen2-Audio-7B-Instruct", "Qwen/Qwen2.5-VL-32B-Instruct",
            "Qwen/Qwen2.5-VL-7B-Instruct"} <= served & published


def _reader(files):
    def read(path):
        if path not in files:
            raise UsageError(f"cannot read {path}")
        return files[path]
    return read


def test_a_number_is_a_baseline_with_the_default_tolerance():
    found = baselines.from_argument("0.9", _reader({}))
    assert (found.value, found.tolerance, found.task, found.metric) == (0.9, 0.05, None, None)


def test_an_earlier_eval_json_gives_its_task_metric_and_figure():
    earlier = {"schema": "ascend-doctor-eval/1", "finished": "2026-12-01T10:00:00Z",
               "result": {"task": "gsm8k", "metric": "exact_match,strict-match", "value": 0.8, "stderr": 0.01,
                          "samples": 1319}, "gate": {"tolerance": 0.02}}
    found = baselines.from_argument("old.json", _reader({"old.json": json.dumps(earlier).encode()}))
    assert (found.task, found.metric, found.value, found.tolerance) == ("gsm8k", "exact_match,strict-match", 0.8, 0.02)


def test_a_small_baseline_document():
    doc = {"task": "adoc_arith", "metric": "exact_match", "value": 0.95, "tolerance": 0.1}
    found = baselines.from_argument("b.json", _reader({"b.json": json.dumps(doc).encode()}))
    assert (found.task, found.metric, found.value, found.tolerance) == ("adoc_arith", "exact_match", 0.95, 0.1)


@pytest.mark.parametrize("content, words", [
    (b"not json", "neither a number nor a JSON file"),
    (b"\xff\xfe", "neither a number nor a JSON file"),
    (b"[0.5]", "expected an eval.json or"),
    (b'{"task": "gsm8k"}', "expected an eval.json or"),
    (b'{"value": -0.1}', "value must be a finite number at or above 0"),
    (b'{"value": true}', "value must be a finite number"),
    (b'{"value": NaN}', "value must be a finite number"),
    (b'{"value": 0.5, "tolerance": 1.5}', "tolerance must be a relative tolerance from 0 up to 1"),
    (b'{"value": 0.5, "task": ""}', "task must be a non-empty string"),
    (b'{"schema": "ascend-doctor-eval/1", "result": null}', "measured nothing"),
])
def test_a_malformed_baseline_file_is_a_usage_error(content, words):
    with pytest.raises(UsageError, match=words):
        baselines.from_argument("b.json", _reader({"b.json": content}))
