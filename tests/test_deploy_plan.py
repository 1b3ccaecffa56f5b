"""A host's services checked together and rendered, as the playbooks do before touching a host."""

import importlib.util
import json
import shlex
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from doctor.deploy_plan import CONFIG_LABEL, HostSettings, PlanError, health_argv, launch_argv, plan

IMAGE = "quay.io/ascend/vllm-ascend:v0.11.0rc0"
SETTINGS = HostSettings(image=IMAGE, host_devices=tuple(range(8)))
DIGEST_A, DIGEST_B = "sha256:" + "a" * 64, "sha256:" + "b" * 64
UBUNTU_ARM = "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2"
OPENEULER_ARM = "/usr/lib64/libjemalloc.so.2"


def svc(name, devices, port, recipe="qwen3-vl-4b", **more):
    return {"name": name, "recipe": recipe, "devices": devices, "port": port, **more}


def problems(services, settings=SETTINGS):
    with pytest.raises(PlanError) as refused:
        plan(services, settings)
    return refused.value.problems


def one(service, settings=SETTINGS) -> dict:
    [rendered] = plan([service], settings)
    return rendered


def devices_of(argv):
    return [argv[i + 1] for i, a in enumerate(argv) if a == "--device" and "davinci" in argv[i + 1]
            and argv[i + 1][len("/dev/davinci"):].isdigit()]


def env_of(argv):
    return dict(argv[i + 1].split("=", 1) for i, a in enumerate(argv) if a == "-e")


# ---------------------------------------------------------------- the inventory as a whole

def test_every_problem_is_reported_at_once_with_its_service():
    found = problems([svc("one", [0], 8000, bogus=1), svc("two", [9], 8001), {"name": "three"}])
    assert "vllm_services[0] (one): unknown key(s) bogus" in found
    assert any(p.startswith("vllm_services[1] (two): devices: 9 not on this host") for p in found)
    assert "vllm_services[2] (three): missing devices, port, recipe" in found


def test_clashes_between_services():
    found = problems([svc("one", [0], 8000), svc("two", [0], 8000, spare_devices=[5]), svc("one", [1], 18000)])
    assert "device 0 is used by both one and two" in found
    assert "port 8000 is used by both one and two" in found
    assert "name one is used by both one and one" in found
    assert "port 18000 is used by both two and one" in found           # two's candidate port is the third's port


def test_a_stop_first_service_claims_no_candidate_port():
    rendered = plan([svc("one", [0], 8000), svc("two", [1], 18000)], SETTINGS)
    assert [r["candidate_port"] for r in rendered] == [None, None]


def test_a_service_does_not_clash_with_itself():
    [rendered] = plan([svc("tp", [0, 1], 8000, recipe="qwen2.5-vl-32b-tp2")], SETTINGS)
    assert rendered["devices"] == [0, 1]


def test_not_a_list():
    assert problems({"name": "x"}) == ["vllm_services must be a list, not dict"]


def test_devices_that_are_not_a_list_are_named_not_a_crash():
    assert "vllm_services[0] (svc1): devices: 5 is not a list of chip numbers" in problems([svc("svc1", 5, 8000)])


# ---------------------------------------------------------------- rendering

def test_rendering_labels_the_config_and_launches_without_a_restart_policy():
    rendered = one(svc("qwen3vl", [0], 8000, spare_devices=[4]))
    assert f"{CONFIG_LABEL}={rendered['config']}" in rendered["argv"]
    assert rendered["argv"][rendered["argv"].index("--restart") + 1] == "unless-stopped"
    launch = rendered["launch_argv"]
    assert launch[launch.index("--restart") + 1] == "no" and "--health-cmd" in launch
    assert "http://127.0.0.1:8000/health" in launch[launch.index("--health-cmd") + 1]   # the port inside
    candidate = rendered["candidate_launch_argv"]
    assert "qwen3vl-candidate" in candidate and "18000:8000" in candidate


def test_the_rendered_keys_the_roles_read():
    rendered = one(svc("qwen3vl", [0], 8000))
    assert set(rendered) == {
        "name", "recipe", "served_model_name", "modality", "image", "image_pull", "image_tag_ref", "image_digest",
        "port", "candidate_port", "devices", "spare_devices", "replace_strategy", "tp", "network", "config",
        "api_key_set", "jemalloc_path", "argv", "launch_argv", "candidate_launch_argv", "health_argv",
        "candidate_health_argv", "command", "definition", "port_inside", "benchmark"}


def test_the_benchmark_settings_come_from_the_recipe_and_change_no_config():
    rendered = one(svc("qwen3vl", [0], 8000))
    assert rendered["benchmark"]["num_prompts"] == 200 and rendered["port_inside"] == 8000
    assert not any("prompts" in arg or "request-rate" in arg for arg in rendered["argv"])   # nothing a service runs


def test_the_config_hash_ignores_nothing_that_runs():
    a = one(svc("qwen3vl", [0], 8000))
    b = one(svc("qwen3vl", [0], 8000, extra_args=["--max-num-seqs", "4"]))
    c = one(svc("qwen3vl", [0], 8000))
    assert a["config"] != b["config"] and a["config"] == c["config"]


def test_spare_devices_do_not_change_the_config():
    """The config is what serves; where a candidate is proven is not part of it."""
    assert one(svc("qwen3vl", [0], 8000))["config"] == one(svc("qwen3vl", [0], 8000, spare_devices=[4]))["config"]


def test_launch_argv_keeps_everything_else():
    argv = ["docker", "run", "--restart", "unless-stopped", "img", "vllm", "serve", "m"]
    launched = launch_argv(argv, 8000)
    assert launched[-4:] == ["img", "vllm", "serve", "m"] and launched[:2] == ["docker", "run"]


def test_the_definition_is_what_the_role_writes():
    rendered = one(svc("qwen3vl", [0], 8000, api_key_set=False))
    assert rendered["definition"] == {
        "name": "qwen3vl", "recipe": "qwen3-vl-4b", "config": rendered["config"], "image": IMAGE,
        "command": rendered["argv"], "launch_argv": rendered["launch_argv"], "devices": [0], "port": 8000,
        "api_key_set": False}
    json.dumps(rendered["definition"])


# ---------------------------------------------------------------- images and digests

@pytest.mark.parametrize("host, host_digest, own, image, tag_ref, digest", [
    (IMAGE, None, None, IMAGE, IMAGE, ""),
    (IMAGE, DIGEST_A, None, f"quay.io/ascend/vllm-ascend@{DIGEST_A}", IMAGE, DIGEST_A),
    (f"quay.io/ascend/vllm-ascend@{DIGEST_A}", None, None, f"quay.io/ascend/vllm-ascend@{DIGEST_A}", None,
     DIGEST_A),
    (f"{IMAGE}@{DIGEST_A}", DIGEST_A, None, f"quay.io/ascend/vllm-ascend@{DIGEST_A}", IMAGE, DIGEST_A),
    (IMAGE, DIGEST_A, "127.0.0.1:5000/ascend/vllm-ascend:v0.11.0rc0-standin",     # the host digest is vllm_image's
     "127.0.0.1:5000/ascend/vllm-ascend:v0.11.0rc0-standin", "127.0.0.1:5000/ascend/vllm-ascend:v0.11.0rc0-standin",
     ""),
    (IMAGE, DIGEST_A, f"registry:5000/repo:v1@{DIGEST_B}", f"registry:5000/repo@{DIGEST_B}", "registry:5000/repo:v1",
     DIGEST_B),
    (None, None, "quay.io/ascend/vllm-ascend:v0.11.0-a3-openeuler", "quay.io/ascend/vllm-ascend:v0.11.0-a3-openeuler",
     "quay.io/ascend/vllm-ascend:v0.11.0-a3-openeuler", ""),
    ("", None, "localhost/x:1", "localhost/x:1", "localhost/x:1", ""),
], ids=["host-tag", "host-digest", "host-ref-digest", "host-ref-and-digest-agree", "own-tag-ignores-host-digest",
        "own-digest-kept", "no-host-image", "empty-host-image"])
def test_which_image_a_service_runs(host, host_digest, own, image, tag_ref, digest):
    service = svc("svc1", [0], 8000, **({"image": own} if own else {}))
    rendered = one(service, HostSettings(image=host, image_digest=host_digest))
    assert (rendered["image"], rendered["image_pull"], rendered["image_tag_ref"], rendered["image_digest"]) == \
        (image, image, tag_ref, digest)
    assert rendered["argv"][rendered["argv"].index("unless-stopped") + 1] == image      # docker runs it
    assert rendered["definition"]["image"] == image


def test_a_new_digest_is_a_new_configuration():
    configs = {one(svc("svc1", [0], 8000), HostSettings(image=IMAGE, image_digest=d))["config"]
               for d in (None, DIGEST_A, DIGEST_B)}
    assert len(configs) == 3


def test_without_any_image_a_service_runs_the_tag_its_recipe_was_proven_with():
    proven = one(svc("svc1", [0], 8000, recipe="qwen3-vl-8b"), HostSettings(image=None))
    assert proven["image"] == "quay.io/ascend/vllm-ascend:v0.15.0rc1"
    chosen = one(svc("svc1", [0], 8000, recipe="qwen3-vl-8b"), SETTINGS)
    assert chosen["image"] == IMAGE                                  # the host's choice comes first


def test_services_may_run_different_images():
    rendered = plan([svc("one", [0], 8000), svc("two", [1], 8001, image="10.0.0.1:5000/vllm-ascend:v1")], SETTINGS)
    assert [r["image"] for r in rendered] == [IMAGE, "10.0.0.1:5000/vllm-ascend:v1"]


@pytest.mark.parametrize("settings, service, message", [
    (SETTINGS, {"image": "10.213.0.1:5000/x"},
     "vllm_services[0] (svc1): image: '10.213.0.1:5000/x' has no tag or digest; pin a tag such as :v0.11.0rc0"),
    (SETTINGS, {"image": "registry:5000/repo"}, "image: 'registry:5000/repo' has no tag or digest"),
    (SETTINGS, {"image": "Quay.io/Ascend/x:1"}, "image: 'Quay.io/Ascend/x:1': uppercase in repository"),
    (SETTINGS, {"image": "img;reboot"}, "image: 'img;reboot' contains characters ';'"),
    (SETTINGS, {"image": "--privileged"}, "image: '--privileged' starts with '-'"),
    (SETTINGS, {"image": "x:1@sha256:abc"}, "image: 'x:1@sha256:abc': digest must be sha256: and 64 hex digits"),
    (SETTINGS, {"image": 5}, "image: an image reference must be a string, not int"),
    (HostSettings(image=None), {},
     "vllm_services[0] (svc1): image: not given, and the host has no vllm_image, and recipe qwen3-vl-4b names "
     "no tag it was proven with; set one of them"),
    (HostSettings(image="quay.io/ascend/vllm-ascend"), {},
     "vllm_image: 'quay.io/ascend/vllm-ascend' has no tag or digest; pin a tag such as :v0.11.0rc0"),
    (HostSettings(image="host:99999/x:1"), {}, "vllm_image: 'host:99999/x:1': port 99999 is not a TCP port"),
    (HostSettings(image=IMAGE, image_digest="sha256:ABC"), {},
     "image_digest: 'sha256:ABC': digest must be sha256: and 64 hex digits"),
    (HostSettings(image=None, image_digest=DIGEST_A), {"image": IMAGE},
     "image_digest: it pins vllm_image, which is not set"),
    (HostSettings(image=f"{IMAGE}@{DIGEST_A}", image_digest=DIGEST_B), {},
     f"image_digest: {DIGEST_B} disagrees with the digest in vllm_image"),
], ids=lambda v: str(v)[:40] if isinstance(v, str) else None)
def test_bad_images_are_named(settings, service, message):
    found = problems([svc("svc1", [0], 8000, **service)], settings)
    assert any(message in p for p in found), found


def test_every_problem_of_a_service_at_once():
    found = problems([svc("svc1", [0], 8000, recipe="nope", image="x")], HostSettings(image=IMAGE, arch="aarch64"))
    assert [p.split(": ")[1] for p in found] == ["image", "unknown recipe 'nope'; known"], found


def test_a_bad_host_image_is_reported_once_and_the_services_still_checked():
    found = problems([svc("one", [0], 8000), svc("two", [9], 8001)], HostSettings(image="x", host_devices=(0, 1)))
    assert sum("vllm_image" in p for p in found) == 1
    assert any(p.startswith("vllm_services[1] (two): devices: 9 not on this host") for p in found)


# ---------------------------------------------------------------- jemalloc

@pytest.mark.parametrize("settings, own, preload", [
    (HostSettings(image=IMAGE, arch="aarch64"), None, UBUNTU_ARM),
    (HostSettings(image=IMAGE, arch="x86_64"), None, "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"),
    (HostSettings(image=IMAGE, arch="aarch64"), "quay.io/ascend/vllm-ascend:v0.11.0-a3-openeuler", OPENEULER_ARM),
    (HostSettings(image=IMAGE, arch="aarch64"), f"quay.io/ascend/vllm-ascend@{DIGEST_A}", UBUNTU_ARM),
    (HostSettings(image=IMAGE, arch="aarch64", jemalloc_path="/opt/j.so"),
     "quay.io/ascend/vllm-ascend:v0.11.0-a3-openeuler", "/opt/j.so"),        # an explicit path wins
    (HostSettings(image=IMAGE), None, None),                                   # neither: no LD_PRELOAD
], ids=["ubuntu-arm", "ubuntu-x86", "openeuler-image", "digest-only", "explicit", "unknown"])
def test_ld_preload_comes_from_each_services_image(settings, own, preload):
    rendered = one(svc("svc1", [0], 8000, **({"image": own} if own else {})), settings)
    assert rendered["jemalloc_path"] == preload
    assert env_of(rendered["argv"]).get("LD_PRELOAD") == preload


def test_two_images_two_jemalloc_paths():
    openeuler = "quay.io/ascend/vllm-ascend:v0.11.0-openeuler"
    rendered = plan([svc("one", [0], 8000), svc("two", [1], 8001, image=openeuler)],
                    HostSettings(image=IMAGE, arch="arm64"))
    assert [r["jemalloc_path"] for r in rendered] == [UBUNTU_ARM, OPENEULER_ARM]


def test_an_unknown_architecture_is_named_once_for_the_host():
    found = problems([svc("svc1", [0], 8000), svc("svc2", [1], 8001)], HostSettings(image=IMAGE, arch="ppc64le"))
    assert found == ["arch: no libjemalloc path is known for architecture 'ppc64le'; set vllm_jemalloc_path"]
    assert plan([svc("svc1", [0], 8000)], HostSettings(image=IMAGE, arch="ppc64le", jemalloc_path="/opt/j.so"))


# ---------------------------------------------------------------- replacing: candidate or stop-first

def test_without_spare_devices_a_service_is_stopped_first():
    rendered = one(svc("svc1", [0], 8000))
    assert rendered["replace_strategy"] == "stop-first" and rendered["spare_devices"] == []
    assert rendered["candidate_launch_argv"] is None and rendered["candidate_port"] is None
    assert rendered["candidate_health_argv"] is None


@pytest.mark.parametrize("recipe, devices, spare, port, visible, candidate_port_flag", [
    ("qwen3-vl-4b", [0], [4], 8000, "0", None),
    ("qwen2.5-vl-32b-tp2", [2, 3], [6, 7], 8100, "0,1", "18100"),
])
def test_a_candidate_runs_on_the_spare_chips_and_the_candidate_port(recipe, devices, spare, port, visible,
                                                                     candidate_port_flag):
    rendered = one(svc("svc1", devices, port, recipe=recipe, spare_devices=spare))
    assert rendered["replace_strategy"] == "candidate" and rendered["spare_devices"] == spare
    assert rendered["candidate_port"] == port + 10000
    candidate = rendered["candidate_launch_argv"]
    assert devices_of(candidate) == [f"/dev/davinci{c}" for c in spare]
    assert devices_of(rendered["argv"]) == [f"/dev/davinci{c}" for c in devices]
    assert env_of(candidate)["ASCEND_RT_VISIBLE_DEVICES"] == visible        # numbered from 0 inside
    assert candidate[candidate.index("--name") + 1] == "svc1-candidate"
    if candidate_port_flag:                                                 # host network: vLLM's own port
        assert candidate[candidate.index("--port") + 1] == candidate_port_flag
        assert f"http://127.0.0.1:{candidate_port_flag}/health" in rendered["candidate_health_argv"][2]
    else:
        assert f"{port + 10000}:8000" in candidate


def test_services_may_share_spare_chips():
    rendered = plan([svc("one", [0], 8000, spare_devices=[7]), svc("two", [1], 8001, spare_devices=[7])], SETTINGS)
    assert [r["spare_devices"] for r in rendered] == [[7], [7]]


@pytest.mark.parametrize("services, message", [
    ([svc("svc1", [0], 8000, spare_devices=[4, 5])], "spare_devices: 2 given for 1 device(s)"),
    ([svc("svc1", [0], 8000, spare_devices=[0])], "spare_devices: 0 also in this service's devices"),
    ([svc("svc1", [0], 8000, spare_devices=[1]), svc("svc2", [1], 8001)],
     "spare_devices: 1 of svc1 is a device of svc2"),
    ([svc("svc1", [0], 8000, spare_devices=[9])], "spare_devices: 9 not on this host"),
    ([svc("tp", [0, 1], 8000, recipe="qwen2.5-vl-32b-tp2", spare_devices=[4, 4])],
     "spare_devices: 4 listed more than once"),
    ([svc("svc1", [0], 8000, spare_devices=["4"])], "spare_devices: '4' not a chip number"),
    ([svc("svc1", [0], 8000, spare_devices=[True])], "spare_devices: True not a chip number"),
    ([svc("svc1", [0], 8000, spare_devices=4)], "spare_devices: must be a list, not int"),
    ([svc("svc1", [0], 60000, spare_devices=[4])], "port: 60000 + candidate offset 10000 is past 65535"),
], ids=lambda v: v[:30] if isinstance(v, str) else None)
def test_spare_devices_are_checked(services, message):
    found = problems(services)
    assert any(message in p for p in found), found


def test_a_high_port_is_fine_without_a_candidate():
    assert one(svc("svc1", [0], 60000))["port"] == 60000


# ---------------------------------------------------------------- health

def test_health_argv_probes_the_port_inside_the_container():
    single = one(svc("svc1", [0], 9001))
    assert single["health_argv"][:2] == ["python3", "-c"]
    assert 'urlopen("http://127.0.0.1:8000/health", timeout=5)' in single["health_argv"][2]     # bridge: 8000 inside
    tp = one(svc("tp", [0, 1], 8100, recipe="qwen2.5-vl-32b-tp2"))
    assert "http://127.0.0.1:8100/health" in tp["health_argv"][2]                              # host network


def test_dockers_health_check_is_the_same_probe_with_sane_timing():
    rendered = one(svc("svc1", [0], 8000))
    launch = rendered["launch_argv"]

    def flag(name):
        return launch[launch.index(name) + 1]
    assert shlex.split(flag("--health-cmd")) == rendered["health_argv"]
    assert flag("--health-interval") == "30s" and flag("--health-retries") == "3"
    assert flag("--health-timeout") == "10s" and flag("--health-start-period") == "600s"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("status, healthy", [(200, True), (503, False), (None, False)])
def test_health_argv_exits_zero_only_when_health_answers(status, healthy):
    port = _free_port()
    server = None
    if status is not None:
        class Health(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(status if self.path == "/health" else 404)
                self.end_headers()

            def log_message(self, *args):
                pass
        server = HTTPServer(("127.0.0.1", port), Health)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        argv = [sys.executable, *health_argv(port)[1:]]
        done = subprocess.run(argv, capture_output=True, timeout=30)
    finally:
        if server:
            server.shutdown()
            server.server_close()
    assert (done.returncode == 0) is healthy


# ---------------------------------------------------------------- names and values

@pytest.mark.parametrize("name, message", [
    ("svc-candidate", "name: 'svc-candidate' ends in -candidate, which the role gives its own containers"),
    ("svc-previous", "name: 'svc-previous' ends in -previous"),
    ("a" * 61, "is 61 characters; at most 60"),
    ("a b", "is not a docker container name"),
    ("-x", "is not a docker container name"),
    ("x", "is not a docker container name"),
    ("a\nb", "is not a docker container name"),
    (123, "name: 123 is not a string; quote it"),
])
def test_bad_names_are_refused(name, message):
    found = problems([svc(name, [0], 8000)])
    assert any(message in p for p in found), found
    assert not any("container_name" in p for p in found), found          # the inventory's field is `name`


def test_a_sixty_character_name_with_dots_and_underscores_passes():
    name = "Svc_1.a-" + "b" * 52
    assert one(svc(name, [0], 8000))["name"] == name


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
        plan([service], HostSettings(image=IMAGE))
    assert any(message in problem and "(svc1)" in problem for problem in raised.value.problems), raised.value


def test_ordinary_extra_settings_pass():
    service = {"name": "svc1", "recipe": "qwen3-vl-4b", "devices": [0], "port": 8000, "api_key_set": False,
               "extra_args": ["--max-num-seqs", "4"], "extra_env": {"VLLM_CPU_KVCACHE_SPACE": "1"}}
    assert plan([service], HostSettings(image=IMAGE))[0]["name"] == "svc1"


def test_a_new_api_key_is_a_new_configuration_without_the_key_in_it():
    from doctor.deploy_plan import api_key_digest

    service = {"name": "svc1", "recipe": "qwen3-vl-4b", "devices": [0], "port": 8000, "api_key_set": True}

    def rendered(key: str) -> dict:
        settings = HostSettings(image=IMAGE, secrets_dir="/srv/keys", api_key_digest=api_key_digest(key, "node1"))
        return plan([dict(service)], settings)[0]

    first, same, other = rendered("key-one"), rendered("key-one"), rendered("key-two")
    assert first["config"] == same["config"] != other["config"]
    assert "/srv/keys/svc1.env" in first["argv"]
    assert "key-one" not in json.dumps(first) and api_key_digest("key-one", "node1") not in json.dumps(first)


# ---------------------------------------------------------------- the Ansible filters

@pytest.fixture(scope="module")
def filters():
    pytest.importorskip("ansible")
    path = Path(__file__).resolve().parents[1] / "filter_plugins" / "ascend_doctor.py"
    spec = importlib.util.spec_from_file_location("ascend_doctor_filters", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def filter_error(call) -> str:
    from ansible.errors import AnsibleFilterError

    with pytest.raises(AnsibleFilterError) as raised:
        call()
    return str(raised.value)


def test_the_filters_are_registered(filters):
    assert {"vllm_plan", "vllm_images", "vllm_service_names", "image_ref", "jemalloc_in_image",
            "ascend_collector_script"} <= set(filters.FilterModule().filters())


def test_the_plan_filters_error_starts_with_the_host(filters):
    message = filter_error(lambda: filters.vllm_plan([svc("svc-candidate", [0], 8000)], IMAGE, arch="aarch64",
                                                     host="a2-node-1"))
    assert message.startswith("a2-node-1: the inventory's vllm_services are not valid:")
    assert "vllm_services[0] (svc-candidate): name:" in message


def test_the_plan_filter_takes_the_old_arguments_and_the_new(filters):
    old = filters.vllm_plan([svc("svc1", [0], 8000)], IMAGE, jemalloc_path=OPENEULER_ARM, host_root="/",
                            host_devices=[0, 1], candidate_port_offset="10000", secrets_dir="/etc/x", host="h")
    assert old[0]["jemalloc_path"] == OPENEULER_ARM
    new = filters.vllm_plan([svc("svc1", [0], 8000, image="localhost/x:1")], "", arch="aarch64",
                            image_digest="", host="h")
    assert new[0]["image"] == "localhost/x:1" and new[0]["jemalloc_path"] == UBUNTU_ARM
    pinned = filters.vllm_plan([svc("svc1", [0], 8000)], IMAGE, arch="aarch64", image_digest=DIGEST_A)
    assert pinned[0]["image"] == f"quay.io/ascend/vllm-ascend@{DIGEST_A}"


def test_the_plan_filter_needs_the_architecture_or_a_path(filters):
    message = filter_error(lambda: filters.vllm_plan([svc("svc1", [0], 8000)], IMAGE, host="h"))
    assert message.startswith("h: pass arch=")


def test_the_plan_filter_needs_the_key_of_keyed_services(filters):
    message = filter_error(lambda: filters.vllm_plan([svc("svc1", [0], 8000, api_key_set=True)], IMAGE,
                                                     arch="aarch64", host="h"))
    assert message.startswith("h: ") and "vllm_api_key is not set" in message


def test_vllm_images_lists_each_image_once_in_plan_order(filters):
    services = [svc("one", [0], 8000, image="localhost/b:2"), svc("two", [1], 8001),
                svc("three", [2], 8002, image="localhost/b:2"), svc("four", [3], 8003, image=f"localhost/c@{DIGEST_B}")]
    images = filters.vllm_images(filters.vllm_plan(services, IMAGE, arch="aarch64"))
    assert images == [
        {"pull": "localhost/b:2", "digest": "", "tag_ref": "localhost/b:2", "image": "localhost/b:2",
         "registry": "localhost"},
        {"pull": IMAGE, "digest": "", "tag_ref": IMAGE, "image": IMAGE, "registry": "quay.io"},
        {"pull": f"localhost/c@{DIGEST_B}", "digest": DIGEST_B, "tag_ref": None, "image": f"localhost/c@{DIGEST_B}",
         "registry": "localhost"},
    ]


def test_vllm_service_names_needs_only_names(filters):
    services = [{"name": "one", "recipe": "gone-recipe"}, {"name": "two", "devices": "all"}]
    assert filters.vllm_service_names(services, host="h") == ["one", "two"]


@pytest.mark.parametrize("services, message", [
    ({"name": "x"}, "vllm_services must be a list, not dict"),
    (["one"], "vllm_services[0]: a service must be a mapping, not str"),
    ([{"recipe": "qwen3-vl-4b"}], "vllm_services[0]: missing name"),
    ([{"name": "ok"}, {"name": "a b"}], "vllm_services[1] (a b): name: 'a b' is not a docker container name"),
    ([{"name": "x-candidate"}], "ends in -candidate"),
    ([{"name": "dup"}, {"name": "dup"}], "name dup is used by more than one service"),
])
def test_vllm_service_names_refuses_bad_entries(filters, services, message):
    found = filter_error(lambda: filters.vllm_service_names(services, host="node9"))
    assert found.startswith("node9: ") and message in found, found


def test_image_ref_filter(filters):
    assert filters.image_ref(f"registry:5000/repo:v1@{DIGEST_A}") == {
        "registry": "registry:5000", "repository": "repo", "tag": "v1", "digest": DIGEST_A,
        "name": "registry:5000/repo", "pull": f"registry:5000/repo@{DIGEST_A}"}
    assert filters.image_ref("ubuntu")["pull"] is None                   # never an implied :latest
    assert "has no" not in filter_error(lambda: filters.image_ref("a b")) and \
        filter_error(lambda: filters.image_ref("a b")).startswith("image reference: 'a b' contains whitespace")


def test_jemalloc_in_image_still_works(filters):
    assert filters.jemalloc_in_image("quay.io/ascend/vllm-ascend:v0.11.0-openeuler", "aarch64") == OPENEULER_ARM
    assert filters.jemalloc_in_image(IMAGE, "aarch64") == UBUNTU_ARM
