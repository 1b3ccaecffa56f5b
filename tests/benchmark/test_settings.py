"""BenchSettings.from_mapping: what an Ansible role passes is checked key by key."""

import math

import pytest

from doctor.benchmark.settings import BenchSettings


def test_defaults_are_the_random_dataset_with_its_default_lengths():
    settings = BenchSettings.from_mapping({})
    assert settings.to_dict() == {"dataset": "random", "dataset_path": None, "input_len": 1024,
                                  "output_len": 128, "num_prompts": 100, "concurrency": [1],
                                  "request_rate": "inf"}


def test_a_full_mapping_is_taken_as_given():
    settings = BenchSettings.from_mapping({"input_len": 32, "output_len": 16, "num_prompts": 8,
                                           "concurrency": [1, 4, 16], "request_rate": 2.5})
    assert (settings.input_len, settings.concurrency, settings.request_rate) == (32, (1, 4, 16), 2.5)


def test_a_single_concurrency_may_be_a_number():
    assert BenchSettings.from_mapping({"concurrency": 8}).concurrency == (8,)


@pytest.mark.parametrize("mapping, words", [
    ({"num_promts": 8}, "unknown benchmark setting(s) num_promts"),
    ({"num_prompts": "8"}, "num_prompts must be a whole number, not '8'"),
    ({"num_prompts": True}, "num_prompts must be a whole number"),
    ({"num_prompts": 0}, "num_prompts must be from 1 to"),
    ({"input_len": 2.5}, "input_len must be a whole number"),
    ({"concurrency": []}, "concurrency must be a non-empty list"),
    ({"concurrency": [1, 1]}, "names a level twice"),
    ({"concurrency": [1, -4]}, "concurrency must be from 1 to"),
    ({"concurrency": list(range(1, 40))}, "at most 32"),
    ({"request_rate": 0}, "request_rate must be above 0"),
    ({"request_rate": math.nan}, "request_rate must be above 0"),
    ({"request_rate": "fast"}, "request_rate must be a number of requests per second or 'inf'"),
    ({"dataset": "sonnet"}, "dataset must be one of random, sharegpt"),
    ({"dataset": "sharegpt"}, "dataset sharegpt needs dataset_path"),
    ({"dataset_path": "/d.json"}, "dataset_path applies to the sharegpt dataset only"),
    ({"dataset": "sharegpt", "dataset_path": "/d.json", "input_len": 5}, "input_len applies to the random"),
])
def test_mistakes_are_named(mapping, words):
    with pytest.raises(ValueError) as caught:
        BenchSettings.from_mapping(mapping)
    assert words in str(caught.value)


def test_not_a_mapping_is_refused():
    with pytest.raises(ValueError, match="must be a mapping, not list"):
        BenchSettings.from_mapping([1])


def test_sharegpt_keeps_the_dataset_lengths_unless_an_output_length_is_given():
    settings = BenchSettings.from_mapping({"dataset": "sharegpt", "dataset_path": "/d.json"})
    assert (settings.effective_input_len, settings.effective_output_len) == (None, None)
