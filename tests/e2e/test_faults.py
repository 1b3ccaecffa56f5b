"""Faults the deploy must refuse or survive: bad inventories, a missing image, a model that does not load."""

from __future__ import annotations

import pytest

from tests.e2e import harness


def containers() -> set[str]:
    return set(harness.docker("ps", "-a", "--format", "{{.Names}}").stdout.split())


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
])
def test_bad_inventory_is_refused_before_the_host_changes(tmp_path, ascend_host, clean, services, message):
    inventory = harness.write_inventory(tmp_path / "hosts.yml", ascend_host, services,
                                        vllm_host_devices=list(range(8)),
                                        service_config_dir=str(tmp_path / "services"))
    before = containers()
    play = harness.playbook(inventory)
    assert play.rc != 0
    assert message in play.output, play.output[-3000:]
    assert containers() == before
    assert not (tmp_path / "services").exists()


def test_image_missing_from_the_registry(tmp_path, ascend_host, tiny_model, clean):
    inventory = harness.write_inventory(
        tmp_path / "hosts.yml", ascend_host,
        [harness.service("e2e-missing", "qwen3-vl-4b", [0], 18301, tiny_model)],
        vllm_image=harness.IMAGE.rsplit(":", 1)[0] + ":no-such-tag", image_pull_retries=2, image_pull_delay=1,
        service_config_dir=str(tmp_path / "services"))
    play = harness.playbook(inventory)
    assert play.rc != 0
    assert "could not pull" in play.output and "no-such-tag" in play.output
    assert harness.container_id("e2e-missing") is None


def test_model_that_fails_to_load_is_reported_with_its_log(tmp_path, ascend_host, clean):
    empty = tmp_path / "empty-model"
    empty.mkdir()
    inventory = harness.write_inventory(
        tmp_path / "hosts.yml", ascend_host,
        [harness.service("e2e-noload", "qwen3-vl-4b", [0], 18401, empty)],
        smoke_wait=240, service_start_wait=240, service_config_dir=str(tmp_path / "services"))
    play = harness.playbook(inventory)
    assert play.rc != 0
    assert "e2e-noload did not come up" in play.output
    assert "last 60 lines of the container's log" in play.output
    assert harness.container_id("e2e-noload") is None


def test_preflight_stops_on_a_host_whose_chips_are_too_small(tmp_path, tiny_model, clean):
    """The doctor runs first: the 32B TP recipe on 32 GB 910B4 chips stops the play with the finding."""
    from dataclasses import replace

    from tests.e2e.conftest import DRIVER_DIRS
    from tests.support import hosts, simhost

    small = simhost.build(tmp_path / "host", replace(hosts.atlas_800i_a2_healthy(), directories=DRIVER_DIRS))
    inventory = harness.write_inventory(
        tmp_path / "hosts.yml", small,
        [harness.service("e2e-toosmall", "qwen2.5-vl-32b-tp2", [0, 1], 18501, tiny_model)],
        service_config_dir=str(tmp_path / "services"))
    play = harness.playbook(inventory)
    assert play.rc != 0
    assert "[FAIL] DEV007 chip-memory-too-small" in play.output and "fix:" in play.output
    assert harness.container_id("e2e-toosmall") is None
    assert not (tmp_path / "services").exists()


def test_a_container_left_aside_by_an_interrupted_run_stops_the_play(tmp_path, ascend_host, tiny_model, clean):
    """Which of the two is the good one is the operator's call: both stay as they are."""
    for name in ("e2e-stale", "e2e-stale-previous"):
        harness.docker("create", "--name", name, "--entrypoint", "true", harness.IMAGE, check=True)
    before = {n: harness.container_id(n) for n in ("e2e-stale", "e2e-stale-previous")}
    inventory = harness.write_inventory(
        tmp_path / "hosts.yml", ascend_host,
        [harness.service("e2e-stale", "qwen3-vl-4b", [0], 18601, tiny_model)],
        service_config_dir=str(tmp_path / "services"))
    play = harness.playbook(inventory)
    assert play.rc != 0
    assert "e2e-stale-previous exists: an earlier run was interrupted" in play.output
    assert {n: harness.container_id(n) for n in before} == before
