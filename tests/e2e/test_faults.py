"""Faults the deploy must refuse or survive, over SSH: bad inventories, a missing or locked image, a model
that does not load or is not there, chips too small for the recipe."""

from __future__ import annotations

import pytest

from tests.e2e import harness

HOST = "dp-3"


@pytest.fixture
def fresh(site):
    site.clear(HOST)
    yield
    site.clear(HOST)


@pytest.mark.parametrize("services, message", [
    ([{"name": "e2e-a1", "recipe": "qwen2.5-vl-32b-tp2", "devices": [0, 1, 2], "port": 18201}],
     "does not divide"),
    ([{"name": "e2e-a1", "recipe": "qwen3-vl-4b", "devices": [9], "port": 18201}], "9 not on this host"),
    ([{"name": "e2e-a1", "recipe": "qwen3-vl-4b", "devices": [0], "port": 18201},
      {"name": "e2e-a2", "recipe": "qwen3-vl-4b", "devices": [0], "port": 18202}], "device 0 is used by both"),
    ([{"name": "e2e-a1", "recipe": "qwen3-vl-4b", "devices": [0], "port": 18201},
      {"name": "e2e-a2", "recipe": "qwen3-vl-4b", "devices": [1], "port": 18201}], "port 18201 is used by both"),
    ([{"name": "e2e-a1", "recipe": "llama-9000", "devices": [0], "port": 18201}], "unknown recipe 'llama-9000'"),
    ([{"name": "e2e-a1", "recipe": "qwen3-vl-4b", "devices": [0], "port": 18201,
       "extra_env": {"X": "$(touch /tmp/pwned)"}}], "extra_env[X]"),
    ([{"name": "e2e-a1", "recipe": "qwen3-vl-4b", "devices": [0], "port": 18201, "api_key_set": "false"}],
     "api_key_set: 'false' is not a boolean"),
    ([{"name": "e2e-a1", "recipe": "qwen3-vl-4b", "devices": [0], "port": 18201, "extra_args": ["--port=9"]}],
     "--port is set by the role"),
    ([{"name": "e2e-a1-previous", "recipe": "qwen3-vl-4b", "devices": [0], "port": 18201}], "-previous"),
])
def test_bad_inventory_is_refused_before_the_host_changes(site, fresh, services, message):
    inventory = site.inventory("bad.yml", {HOST: services}, vllm_host_devices=list(range(8)))
    before = site.containers(HOST)
    play = harness.playbook(inventory)
    assert play.rc != 0
    assert message in play.output and HOST in play.output, play.output[-3000:]
    assert site.containers(HOST) == before
    assert not site.fleet[HOST].path(harness.CONFIG_DIR).exists()


def test_image_missing_from_the_registry(site, fresh):
    inventory = site.inventory("missing.yml", {HOST: [harness.service("e2e-missing", "qwen3-vl-4b", [0], 18301)]},
                               vllm_image=site.image.rsplit(":", 1)[0] + ":no-such-tag",
                               image_pull_retries=2, image_pull_delay=1)
    play = harness.playbook(inventory)
    assert play.rc != 0
    assert "could not pull" in play.output and "no-such-tag" in play.output
    assert site.container_id(HOST, "e2e-missing") is None


def test_a_registry_that_wants_a_login_gets_one_from_the_vaulted_list(site, fresh):
    from tests.fleet.support import sshhosts

    locked = f"{sshhosts.AUTH_REGISTRY}/{harness.IMAGE_PATH}:{harness.STANDIN_TAG}"
    service = {HOST: [harness.service("e2e-locked", "qwen3-vl-4b", [0], 18302)]}
    site.docker(HOST, "rmi", locked)
    refused = harness.playbook(site.inventory("locked.yml", service, vllm_image=locked, image_pull_retries=1),
                               "deploy.yml", "--tags", "image")
    assert refused.rc != 0 and f"no login for {sshhosts.AUTH_REGISTRY}" in refused.output, refused.output[-3000:]
    logins = [{"registry": sshhosts.AUTH_REGISTRY, "username": sshhosts.REGISTRY_USER,
               "password": sshhosts.REGISTRY_PASSWORD}]
    pulled = harness.playbook(site.inventory("login.yml", service, vllm_image=locked, image_registry_logins=logins),
                              "deploy.yml", "--tags", "image", "-vvv")
    assert pulled.rc == 0, pulled.output[-3000:]
    assert sshhosts.REGISTRY_PASSWORD not in pulled.output
    assert site.docker(HOST, "image", "inspect", locked).returncode == 0


def test_model_that_fails_to_load_is_reported_with_its_log(site, fresh):
    site.fleet.inside(HOST, ["mkdir", "-p", "/data/models/empty"])
    inventory = site.inventory("noload.yml", {HOST: [harness.service("e2e-noload", "qwen3-vl-4b", [0], 18401,
                                                                     model_source="/data/models/empty")]},
                               smoke_wait=240, service_start_wait=240)
    play = harness.playbook(inventory)
    assert play.rc != 0
    assert "e2e-noload did not come up" in play.output
    assert "last 60 lines of the container's log" in play.output
    assert site.container_id(HOST, "e2e-noload") is None


def test_a_missing_model_stops_the_play_before_anything_changes(site, fresh):
    inventory = site.inventory("nomodel.yml", {HOST: [harness.service("e2e-nomodel", "qwen3-vl-4b", [0], 18402,
                                                                      model_source="/data/models/nonesuch")]})
    play = harness.playbook(inventory)
    assert play.rc != 0
    assert "model_source /data/models/nonesuch does not exist on dp-3" in play.output, play.output[-3000:]
    assert play.task_status("image : Look on the host for " + site.image) is None


def test_preflight_stops_on_a_host_whose_chips_are_too_small(site):
    """The doctor runs first: the 32B TP recipe on a2-healthy's 32 GB 910B4 chips stops the play with the finding."""
    inventory = site.inventory("toosmall.yml", {"a2-healthy": [harness.service("e2e-toosmall", "qwen2.5-vl-32b-tp2",
                                                                               [0, 1], 18501)]})
    play = harness.playbook(inventory)
    assert play.rc != 0
    assert "[FAIL] DEV007 chip-memory-too-small" in play.output and "fix:" in play.output, play.output[-3000:]
