"""A host's services checked together and rendered, as the playbooks do before touching a host."""

import json

import pytest

from doctor.deploy_plan import CONFIG_LABEL, HostSettings, PlanError, launch_argv, plan

SETTINGS = HostSettings(image="quay.io/ascend/vllm-ascend:v0.11.0rc0", host_devices=tuple(range(8)))


def svc(name, devices, port, recipe="qwen3-vl-4b", **more):
    return {"name": name, "recipe": recipe, "devices": devices, "port": port, **more}


def problems(services):
    with pytest.raises(PlanError) as refused:
        plan(services, SETTINGS)
    return refused.value.problems


def test_every_problem_is_reported_at_once_with_its_service():
    found = problems([svc("one", [0], 8000, bogus=1), svc("two", [9], 8001), {"name": "three"}])
    assert "vllm_services[0] (one): unknown key(s) bogus" in found
    assert any(p.startswith("vllm_services[1] (two): devices: 9 not on this host") for p in found)
    assert "vllm_services[2] (three): missing devices, port, recipe" in found


def test_clashes_between_services():
    found = problems([svc("one", [0], 8000), svc("two", [0], 8000), svc("one", [1], 18000)])
    assert "device 0 is used by both one and two" in found
    assert "port 8000 is used by both one and two" in found
    assert "name one is used by both one and one" in found
    assert "port 18000 is used by both one and two" in found           # two's candidate port is the third's port


def test_a_service_does_not_clash_with_itself():
    [rendered] = plan([svc("tp", [0, 1], 8000, recipe="qwen2.5-vl-32b-tp2")], SETTINGS)
    assert rendered["devices"] == [0, 1]


def test_not_a_list():
    assert problems({"name": "x"}) == ["vllm_services must be a list, not dict"]


def test_rendering_labels_the_config_and_launches_without_a_restart_policy():
    [rendered] = plan([svc("qwen3vl", [0], 8000)], SETTINGS)
    assert f"{CONFIG_LABEL}={rendered['config']}" in rendered["argv"]
    assert rendered["argv"][rendered["argv"].index("--restart") + 1] == "unless-stopped"
    launch = rendered["launch_argv"]
    assert launch[launch.index("--restart") + 1] == "no" and "--health-cmd" in launch
    assert "http://127.0.0.1:8000/health" in launch[launch.index("--health-cmd") + 1]   # the port inside
    candidate = rendered["candidate_launch_argv"]
    assert "qwen3vl-candidate" in candidate and "18000:8000" in candidate


def test_the_config_hash_ignores_nothing_that_runs():
    [a] = plan([svc("qwen3vl", [0], 8000)], SETTINGS)
    [b] = plan([svc("qwen3vl", [0], 8000, extra_args=["--max-num-seqs", "4"])], SETTINGS)
    [c] = plan([svc("qwen3vl", [0], 8000)], SETTINGS)
    assert a["config"] != b["config"] and a["config"] == c["config"]


def test_launch_argv_keeps_everything_else():
    argv = ["docker", "run", "--restart", "unless-stopped", "img", "vllm", "serve", "m"]
    launched = launch_argv(argv, 8000)
    assert launched[-4:] == ["img", "vllm", "serve", "m"] and launched[:2] == ["docker", "run"]


@pytest.mark.parametrize("extra, message", [
    ({"api_key_set": "false"}, "api_key_set: 'false' is not a boolean"),
    ({"api_key_set": 1}, "api_key_set: 1 is not a boolean"),
    ({"extra_args": ["--port", "9000"]}, "extra_args: --port is set by the role"),
    ({"extra_args": ["--tensor-parallel-size=4"]}, "extra_args: --tensor-parallel-size is set by the role"),
    ({"extra_args": ["--api-key", "k"]}, "extra_args: --api-key is set by the role"),
    ({"extra_args": "--max-num-seqs 4"}, "extra_args: must be a list, not str"),
    ({"extra_env": ["A=1"]}, "extra_env: must be a mapping, not list"),
    ({"extra_env": {"HF_TOKEN": "hf_x"}}, "extra_env: HF_TOKEN looks like a secret"),
    ({"extra_env": {"EXTRA": "sk-abcdefghijklmnopqrstuvwx0123"}}, "extra_env: EXTRA looks like a secret"),
], ids=lambda v: str(v)[:30])
def test_values_the_role_cannot_take_are_named(extra, message):
    service = {"name": "svc1", "recipe": "qwen3-vl-4b", "devices": [0], "port": 8000, **extra}
    with pytest.raises(PlanError) as raised:
        plan([service], HostSettings(image="quay.io/ascend/vllm-ascend:v0.11.0rc0"))
    assert any(message in problem and "(svc1)" in problem for problem in raised.value.problems), raised.value


def test_ordinary_extra_settings_pass():
    service = {"name": "svc1", "recipe": "qwen3-vl-4b", "devices": [0], "port": 8000, "api_key_set": False,
               "extra_args": ["--max-num-seqs", "4"], "extra_env": {"VLLM_CPU_KVCACHE_SPACE": "1"}}
    assert plan([service], HostSettings(image="quay.io/ascend/vllm-ascend:v0.11.0rc0"))[0]["name"] == "svc1"


def test_a_new_api_key_is_a_new_configuration_without_the_key_in_it():
    from doctor.deploy_plan import api_key_digest

    service = {"name": "svc1", "recipe": "qwen3-vl-4b", "devices": [0], "port": 8000, "api_key_set": True}

    def rendered(key: str) -> dict:
        settings = HostSettings(image="quay.io/ascend/vllm-ascend:v0.11.0rc0", secrets_dir="/srv/keys",
                                api_key_digest=api_key_digest(key, "node1"))
        return plan([dict(service)], settings)[0]

    first, same, other = rendered("key-one"), rendered("key-one"), rendered("key-two")
    assert first["config"] == same["config"] != other["config"]
    assert "/srv/keys/svc1.env" in first["argv"]
    assert "key-one" not in json.dumps(first) and api_key_digest("key-one", "node1") not in json.dumps(first)
