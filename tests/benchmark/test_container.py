"""--container: the service's URL inside its container, and containers that are absent or stopped
(a `docker` stand-in on PATH prints what the real one prints)."""

from __future__ import annotations

import json

import pytest

from doctor.benchmark.runners import ContainerRunner, url_inside
from tests.benchmark.test_bench_command import bench


def record(ports=None, network="bridge"):
    return {"State": {"Running": True}, "HostConfig": {"NetworkMode": network},
            "NetworkSettings": {"Ports": ports or {}}}


def test_a_published_port_maps_back_to_the_container_port():
    ports = {"8000/tcp": [{"HostIp": "0.0.0.0", "HostPort": "18900"}, {"HostIp": "::", "HostPort": "18900"}],
             "9000/tcp": None}
    assert url_inside(record(ports), "http://127.0.0.1:18900") == "http://127.0.0.1:8000"
    assert url_inside(record(ports), "http://10.0.0.5:18900/") == "http://127.0.0.1:8000/"


def test_host_networking_keeps_the_url_and_an_unpublished_port_has_no_answer():
    assert url_inside(record(network="host"), "http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    assert url_inside(record({"8000/tcp": [{"HostPort": "18900"}]}), "http://127.0.0.1:18901") is None


def test_the_command_prints_its_pid_first_so_it_can_be_stopped_inside():
    argv = ContainerRunner("svc").command(["bench", "serve", "--model", "m"], "/tmp/r")
    assert argv[:5] == ["docker", "exec", "svc", "sh", "-c"]
    assert argv[6:] == ["/tmp/r", "bench", "serve", "--model", "m"]
    assert argv[5].startswith('mkdir -p "$0" && echo "ascend-doctor: benchmark pid $$" && exec vllm')


@pytest.fixture
def docker(tmp_path, monkeypatch):
    def answer(stdout="", stderr="", status=0):
        script = tmp_path / "docker"
        script.write_text(f"#!/bin/sh\nprintf '%s' '{stdout}'\nprintf '%s' '{stderr}' >&2\nexit {status}\n")
        script.chmod(0o755)
        monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    return answer


def test_a_container_that_does_not_exist_is_exit_2(docker, tmp_path):
    docker(stderr="Error: No such container: svc", status=1)
    code, _, stderr = bench("--url", "http://127.0.0.1:1", "--model", "m", "--container", "svc",
                            "--out", str(tmp_path / "o"))
    assert code == 2 and "--container svc: no such container" in stderr


def test_a_stopped_container_is_exit_3(docker, tmp_path):
    docker(stdout=json.dumps([{"State": {"Running": False, "Status": "exited"}}]))
    code, _, stderr = bench("--url", "http://127.0.0.1:1", "--model", "m", "--container", "svc",
                            "--out", str(tmp_path / "o"))
    assert code == 3 and "container svc is exited, not running" in stderr


def test_a_container_not_publishing_the_port_asks_for_container_url(docker, tmp_path):
    docker(stdout=json.dumps([record({"8000/tcp": [{"HostPort": "18900"}]})]))
    code, _, stderr = bench("--url", "http://127.0.0.1:18901", "--model", "m", "--container", "svc",
                            "--out", str(tmp_path / "o"))
    assert code == 2 and "give --container-url" in stderr
