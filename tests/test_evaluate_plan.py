"""The evaluate role's benchmark plan: vLLM's own `bench serve` run with `docker exec` in each service's
container, with the recipe's settings under the inventory's, the tokenizer the container serves, and
the key handed over inside the container."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError

from doctor.deploy_plan import HostSettings, plan

REPO = Path(__file__).resolve().parents[1]
SETTINGS = HostSettings(image="quay.io/ascend/vllm-ascend:v0.11.0rc0", host_devices=tuple(range(8)))


def filters():
    spec = importlib.util.spec_from_file_location("ascend_deploy", REPO / "filter_plugins" / "ascend_deploy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rendered(**more) -> dict:
    [service] = plan([{"name": "qwen", "recipe": "qwen3-vl-4b", "devices": [0], "port": 8100,
                       "model_source": "/data/models/qwen3-vl-4b", **more}], SETTINGS)
    return service


def flag(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_the_recipes_settings_are_seed_004s_and_run_in_the_container():
    bench = filters().vllm_bench_plan(rendered())
    [level] = bench["levels"]
    argv = level["argv"]
    assert argv[:5] == ["docker", "exec", "qwen", "vllm", "bench"]
    assert flag(argv, "--base-url") == "http://127.0.0.1:8000"          # the container side of -p 8100:8000
    assert flag(argv, "--model") == "qwen3vl"
    assert flag(argv, "--tokenizer") == rendered()["argv"][rendered()["argv"].index("serve") + 1]
    assert (flag(argv, "--random-input-len"), flag(argv, "--num-prompts"), flag(argv, "--request-rate")) == (
        "200", "200", "1")
    assert flag(argv, "--max-concurrency") == "200"          # the seed sets no cap: at most every prompt at once
    assert level["result_path"] == f"{bench['result_dir']}/{level['name']}.json"
    assert flag(argv, "--result-dir") == bench["result_dir"]


def test_the_inventorys_settings_go_over_the_recipes_one_level_each():
    bench = filters().vllm_bench_plan(rendered(), {"num_prompts": 4, "concurrency": [1, 2], "output_len": 8})
    assert [level["name"] for level in bench["levels"]] == ["vllm-bench-c1", "vllm-bench-c2"]
    assert [flag(level["argv"], "--max-concurrency") for level in bench["levels"]] == ["1", "2"]
    assert flag(bench["levels"][0]["argv"], "--random-output-len") == "8"


def test_a_keyed_service_hands_its_own_key_to_the_benchmark_inside_the_container():
    service = rendered(api_key_set=True)
    argv = filters().vllm_bench_plan(service)["levels"][0]["argv"]
    assert argv[3:7] == ["sh", "-c", 'OPENAI_API_KEY="$VLLM_API_KEY" exec "$@"', "sh"] and argv[7] == "vllm"


@pytest.mark.parametrize("bad, said", [({"num_prompts": "many"}, "num_prompts"), ({"concurency": [1]}, "concurency"),
                                       ({"dataset": "sharegpt"}, "dataset_path")])
def test_a_wrong_setting_stops_with_the_service_and_the_key(bad, said):
    with pytest.raises(AnsibleFilterError) as refused:
        filters().vllm_bench_plan(rendered(), bad)
    assert "benchmark settings of qwen" in str(refused.value) and said in str(refused.value)


def test_the_verdict_names_what_failed_from_the_document():
    import json

    verdict = filters().evaluate_verdict
    bench = {"gate": {"passed": False, "regressions": [{"concurrency": 4, "figure": "output_throughput",
                                                          "baseline": 400, "measured": 300, "change_pct": -25.0}]}}
    assert verdict({"rc": 1, "stdout": json.dumps(bench)}) == (
        "output_throughput at concurrency 4: 300 against baseline 400 (-25.0%)")
    accuracy = {"gate": {"passed": False, "floor": 0.5225, "baseline": 0.55, "tolerance": 0.05}, "errors": []}
    assert "below the floor 0.5225" in verdict({"rc": 1, "stdout": json.dumps(accuracy)})
    assert verdict({"rc": 2, "stdout": "", "stderr": "ascend-doctor: error: no such file\n"}) == (
        "ascend-doctor: error: no such file")
    assert verdict({"rc": 3, "stdout": json.dumps({"gate": None, "errors": ["level 2 died"]})}) == "level 2 died"
