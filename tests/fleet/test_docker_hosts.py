"""Docker hosts of the simulated fleet (dp-1..3): each its own engine, reached over SSH as on a real Atlas host.

The stand-in image (tests/e2e/support/build-standin-image.sh) is pulled once, on dp-1 only;
tests that need a container but not vLLM use a tiny image made from this machine's programs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.fleet.conftest import missing
from tests.fleet.support import dockerd, fleets, images, network, registry, sshhosts
from tests.hostile.harness import doctor
from tests.support import live_npu_smi

pytestmark = pytest.mark.fleet

REPO = Path(__file__).resolve().parents[2]
TEST_PREFIX = "fleet-test-"
SERVICE = {"name": "qwen3-vl-4b", "recipe": "qwen3-vl-4b", "devices": [0], "port": 8000}
# What tests/e2e/support/build-standin-image.sh pushes to the machine's registry.
MACHINE_STANDIN = os.environ.get("ASCEND_DOCTOR_STANDIN_IMAGE",
                                 f"{registry.MACHINE_REGISTRY}/ascend/vllm-ascend:v0.11.0rc0-standin")
DEADLINE_S = 30


@pytest.fixture(scope="module")
def dp(deploy_fleet):
    """The deploy hosts, each with the tiny image; the test containers are removed at the end."""
    for host in deploy_fleet:
        images.import_tiny_image(deploy_fleet, host.name)
    yield deploy_fleet
    remove_test_containers(deploy_fleet)


@pytest.fixture(scope="module")
def standin(dp):
    """The stand-in image on dp-1, pulled from the fleet's registry (REGISTRY) once."""
    try:
        with urllib.request.urlopen(f"http://{sshhosts.REGISTRY}/v2/_catalog", timeout=10) as reply:
            catalog = json.loads(reply.read())
    except OSError as error:
        pytest.fail(f"the fleet registry {sshhosts.REGISTRY} does not answer: {error}")
    if "ascend/vllm-ascend" not in catalog.get("repositories", []):
        missing("the stand-in image is not in the machine's registry (run tests/e2e/support/build-standin-image.sh)")
    image = registry.on_fleet(MACHINE_STANDIN)
    done = dp.docker("dp-1", "pull", "-q", image, timeout=900)
    assert done.returncode == 0, done.stderr
    return image


@pytest.fixture
def clean(dp):
    yield dp
    remove_test_containers(dp)


def remove_test_containers(fleet) -> None:
    for host in fleet:
        names = fleet.docker(host.name, "ps", "-a", "--format", "{{.Names}}").stdout.split()
        doomed = [name for name in names if name.startswith(TEST_PREFIX)]
        if doomed:
            fleet.docker(host.name, "rm", "-f", *doomed)


def run(fleet, name: str, container: str, *args: str) -> str:
    """`docker run -d --name fleet-test-CONTAINER ARGS` on a host; returns the container's full ID."""
    done = fleet.docker(name, "run", "-d", "--name", TEST_PREFIX + container, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def names_on(fleet, name: str) -> list[str]:
    return fleet.docker(name, "ps", "-a", "--format", "{{.Names}}").stdout.split()


def get(url: str, deadline_s: float = DEADLINE_S) -> int:
    """GET until it answers (the server in the container may still be starting); the status."""
    deadline, last = time.monotonic() + deadline_s, None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=3) as reply:
                return reply.status
        except (urllib.error.URLError, ConnectionError) as error:
            last = error
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {deadline_s} s: {last}")


# ---- one engine per host ------------------------------------------------------------------------------


def test_each_host_has_its_own_engine_data_and_containers(clean):
    fleet = clean
    infos = {host.name: json.loads(fleet.docker(host.name, "info", "--format", "{{json .}}").stdout) for host in fleet}
    assert len({info["ID"] for info in infos.values()}) == 3
    for name, info in infos.items():
        assert (info["Name"], info["DockerRootDir"], info["Driver"]) == (name, "/var/lib/docker", "overlay2")
        assert {sshhosts.REGISTRY, sshhosts.AUTH_REGISTRY} <= set(info["RegistryConfig"]["IndexConfigs"])
        assert (fleet[name].data_root / "overlay2").is_dir()
        assert "API listen on /run/docker.sock" in fleet[name].docker_log.read_text()
    run(fleet, "dp-1", "mine", images.TINY_IMAGE, "/bin/sleep", "infinity")
    assert TEST_PREFIX + "mine" in names_on(fleet, "dp-1")
    assert TEST_PREFIX + "mine" not in names_on(fleet, "dp-2") + names_on(fleet, "dp-3")
    machine = subprocess.run(["docker", "ps", "-a", "--format", "{{.Names}}"], capture_output=True, text=True,
                             timeout=60)
    assert TEST_PREFIX + "mine" not in machine.stdout.split()


def test_sudo_docker_over_ssh_is_the_hosts_engine(clean):
    fleet = clean
    run(fleet, "dp-2", "over-ssh", images.TINY_IMAGE, "/bin/sleep", "infinity")
    done = fleet.ssh("dp-2", "sudo docker ps --format '{{.Names}}'; sudo docker info --format '{{.Name}}'", user="ops")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [TEST_PREFIX + "over-ssh", "dp-2"]
    assert fleet.ssh("dp-2", "docker ps", user="ops").returncode != 0          # not without sudo: root's socket


def test_the_inventory_reaches_every_engine_with_become(dp, tmp_path):
    if not shutil.which("ansible"):
        missing("ansible is not installed (pip install ansible-core)")
    inventory = dp.write_inventory(tmp_path / "inventory.yml", list(fleets.DEPLOY_HOSTS),
                                   {"dp-2": {"fleet_marker": "two"}}, group_vars={"fleet_group": "all3"})
    echo = "{{ '{{' }}.Name{{ '}}' }} {{ fleet_marker | default('-') }} {{ fleet_group }}"
    done = subprocess.run(["ansible", "-i", str(inventory), "vllm_hosts", "-m", "ansible.builtin.command",
                           "-a", f'docker info --format "{echo}"'],
                          capture_output=True, text=True, timeout=180, cwd=REPO)
    for name, marker in (("dp-1", "-"), ("dp-2", "two"), ("dp-3", "-")):
        assert f"{name} | CHANGED | rc=0 >>\n{name} {marker} all3" in done.stdout, done.stdout + done.stderr


# ---- registries ------------------------------------------------------------------------------------------


def test_a_host_pulls_the_standin_from_the_fleet_registry(dp, standin):
    request = urllib.request.Request(f"http://{registry.MACHINE_REGISTRY}/v2/ascend/vllm-ascend/manifests/"
                                     f"{standin.rsplit(':', 1)[1]}", method="HEAD",
                                     headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        digest = reply.headers["Docker-Content-Digest"]
    pulled = json.loads(dp.docker("dp-1", "image", "inspect", "--format", "{{json .RepoDigests}}", standin).stdout)
    assert f"{sshhosts.REGISTRY}/ascend/vllm-ascend@{digest}" in pulled


def test_docker_login_to_the_auth_registry(dp, standin):
    image = registry.on_fleet(MACHINE_STANDIN, authenticated=True)
    try:
        refused = dp.docker("dp-1", "pull", "-q", image)
        assert refused.returncode != 0 and "no basic auth credentials" in refused.stderr
        wrong = dp.docker("dp-1", "login", "-u", sshhosts.REGISTRY_USER, "--password-stdin", sshhosts.AUTH_REGISTRY,
                          stdin="not-the-password\n")
        assert wrong.returncode != 0 and "401 Unauthorized" in wrong.stderr
        right = dp.docker("dp-1", "login", "-u", sshhosts.REGISTRY_USER, "--password-stdin", sshhosts.AUTH_REGISTRY,
                          stdin=sshhosts.REGISTRY_PASSWORD + "\n")
        assert right.returncode == 0 and "Login Succeeded" in right.stdout, right.stderr
        assert sshhosts.AUTH_REGISTRY in dp.run("dp-1", "cat /root/.docker/config.json").stdout
        pulled = dp.docker("dp-1", "pull", "-q", image, timeout=600)      # the layers are there already
        assert pulled.returncode == 0, pulled.stderr
    finally:
        dp.docker("dp-1", "logout", sshhosts.AUTH_REGISTRY)
        dp.docker("dp-1", "rmi", image)


# ---- networking --------------------------------------------------------------------------------------------


def test_the_controller_reaches_a_published_port_and_a_host_network_container(clean, standin):
    fleet = clean
    address = fleet["dp-1"].address
    run(fleet, "dp-1", "published", "-p", "18080:8000", standin, "python3", "-m", "http.server", "8000")
    run(fleet, "dp-1", "host-net", "--network", "host", standin, "python3", "-m", "http.server", "18123")
    assert get(f"http://{address}:18080/") == 200
    assert get(f"http://{address}:18123/") == 200
    with pytest.raises(urllib.error.URLError, match="refused"):
        urllib.request.urlopen(f"http://{fleet['dp-2'].address}:18080/", timeout=3)
    published = fleet.docker("dp-1", "port", TEST_PREFIX + "published", "8000").stdout
    assert "0.0.0.0:18080" in published


# ---- devices, host paths, files -----------------------------------------------------------------------------


def test_devices_host_paths_and_copied_files_reach_a_container(clean, tmp_path):
    fleet = clean
    model = tmp_path / "tiny"
    (model / "sub").mkdir(parents=True)
    (model / "config.json").write_text('{"model_type": "qwen2"}\n')
    (model / "sub" / "weights.bin").write_bytes(os.urandom(4096))
    fleet.copy_in("dp-3", model, "/data/models/tiny")
    assert fleet.run("dp-3", "echo dcmi > /usr/local/dcmi/marker && echo cache > /root/.cache/marker").returncode == 0
    mounts = ["/usr/local/dcmi", "/usr/local/Ascend/driver/lib64", "/root/.cache", "/etc/ascend_install.info:ro",
              "/usr/local/bin/npu-smi:ro", "/data/models/tiny:ro"]
    argv = [*(f"-v={m.split(':')[0]}:{m}" for m in mounts), "--device", "/dev/davinci3", "--device", "/dev/davinci_manager"]
    done = fleet.docker("dp-3", "run", "--rm", *argv, images.TINY_IMAGE, "/bin/sh", "-c",
                        "ls -l /dev/davinci3 /dev/davinci_manager; cat /usr/local/dcmi/marker /root/.cache/marker "
                        "/etc/ascend_install.info /data/models/tiny/config.json; "
                        "ls /data/models/tiny/sub /usr/local/bin/npu-smi /usr/local/Ascend/driver/lib64")
    assert done.returncode == 0, done.stderr
    assert re.search(r"^c.* 236, +3 .* /dev/davinci3$", done.stdout, re.M), done.stdout
    assert re.search(r"^c.* 237, +0 .* /dev/davinci_manager$", done.stdout, re.M), done.stdout
    assert "dcmi\ncache\n" in done.stdout and '{"model_type": "qwen2"}' in done.stdout
    assert fleet.run("dp-3", "cat /etc/ascend_install.info").stdout in done.stdout
    assert "weights.bin" in done.stdout and "/usr/local/bin/npu-smi" in done.stdout


# ---- live npu-smi and the doctor ------------------------------------------------------------------------------


def npu_rows(fleet, name: str) -> dict[int, list[str]]:
    """npu-smi info's process table as the host's root sees it over SSH: NPU -> [pid, name]."""
    done = fleet.ssh(name, "npu-smi info")
    assert done.returncode == 0, done.stderr
    rows = re.findall(r"^\| (\d+)\s+0\s+\| (\d+)\s+\| (\S+)", done.stdout, re.M)
    return {int(npu): [pid, comm] for npu, pid, comm in rows}


def test_live_npu_smi_lists_the_container_holding_a_chip(clean):
    fleet = clean
    full_id = run(fleet, "dp-1", "chip0", "--device", "/dev/davinci0", images.TINY_IMAGE, "/bin/sleep", "infinity")
    pid = fleet.docker("dp-1", "inspect", "--format", "{{.State.Pid}}", TEST_PREFIX + "chip0").stdout.strip()
    assert npu_rows(fleet, "dp-1") == {0: [pid, "sleep"]}
    assert npu_rows(fleet, "dp-2") == {}                               # another engine, no container there
    cgroup = fleet.ssh("dp-1", f"cat /proc/{pid}/cgroup").stdout
    assert f"0::/docker/{full_id}\n" in cgroup
    hbm = re.findall(r"(\d+)\s*/\s*65536", fleet.ssh("dp-1", "npu-smi info").stdout)
    assert hbm[0] == str(int(65536 * live_npu_smi.HBM_SHARE_OF_A_SERVING_CHIP)) and hbm[1] == "3373"


def fleet_check(fleet, tmp_path: Path) -> dict:
    """`ascend-doctor fleet check --json` of dp-1 serving SERVICE on chip 0; dp-1's findings by code."""
    inventory = fleet.write_inventory(tmp_path / "inventory.yml", ["dp-1"], {"dp-1": {"vllm_services": [SERVICE]}})
    ran = doctor("fleet", "check", "-i", str(inventory), "--ssh-config", str(fleet.ssh_config), "--known-hosts",
                 str(fleet.known_hosts), "--timeout", "30", "--json", env={"HOME": "/nonexistent"}, timeout=120)
    report = json.loads(ran.out)
    (host,) = report["hosts"]
    assert host["reachable"], host["error"]
    return {finding["code"]: finding for finding in host["report"]["findings"]}


def test_the_fleet_check_sees_a_chip_held_by_another_container_as_busy(clean, tmp_path):
    fleet = clean
    run(fleet, "dp-1", "foreign", "--device", "/dev/davinci0", images.TINY_IMAGE, "/bin/sleep", "infinity")
    pid = fleet.docker("dp-1", "inspect", "--format", "{{.State.Pid}}", TEST_PREFIX + "foreign").stdout.strip()
    busy = fleet_check(fleet, tmp_path)["DEV006"]
    assert busy["status"] == "FAIL" and pid in busy["evidence"], busy


def test_the_fleet_check_recognises_its_own_service_on_the_chip(clean, tmp_path):
    fleet = clean
    run(fleet, "dp-1", "own", "--device", "/dev/davinci0", "--label", f"ascend-doctor.service={SERVICE['name']}",
        images.TINY_IMAGE, "/bin/sleep", "infinity")
    own = fleet_check(fleet, tmp_path)["DEV006"]
    assert own["status"] == "PASS" and f"own service(s) {SERVICE['name']}" in own["summary"], own


# ---- nothing left behind ------------------------------------------------------------------------------------


def host_processes(fleet) -> dict[str, set[int]]:
    """Every process of each docker host, as the controller sees them: its whole cgroup tree."""
    found = {}
    for host in fleet.docker_hosts:
        cgroup = dockerd.cgroup_of(host.name)
        found[host.name] = {int(pid) for procs in cgroup.rglob("cgroup.procs") for pid in procs.read_text().split()}
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def engine_leftovers(data_roots: list[Path]) -> dict:
    root = dockerd.cgroup2_root()
    return {
        "cgroups": sorted(path.name for path in root.glob(network.PREFIX + "*")),
        "registries": [pid for pid in registry._pids() if registry._is_fleet_registry(pid)],
        "data_roots": [str(path) for path in data_roots if path.exists()],
        "namespaces": network.fleet_namespaces(),
    }


NOTHING = {"cgroups": [], "registries": [], "data_roots": [], "namespaces": []}
CRASHING_RUN = """
import os, signal, sys
from pathlib import Path
from tests.fleet.support import fleets, images
from tests.fleet.support.sshhosts import Fleet, SshHost
fleet = Fleet([SshHost("crash-d", spec=fleets.deploy_host(), docker=True)], Path(sys.argv[1])).start()
images.import_tiny_image(fleet, "crash-d")
done = fleet.docker("crash-d", "run", "-d", "-p", "18081:8000", images.TINY_IMAGE, "/bin/sleep", "infinity")
assert done.returncode == 0, done.stderr
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_teardown_leaves_no_engine_even_after_a_crash(dp, tmp_path):
    """Last in this module: it stops the shared fleet, crashes a docker host's fleet, and starts the shared one again."""
    run(dp, "dp-1", "bridged", "-p", "18082:8000", images.TINY_IMAGE, "/bin/sleep", "infinity")
    run(dp, "dp-2", "host-net", "--network", "host", images.TINY_IMAGE, "/bin/sleep", "infinity")
    before = host_processes(dp)
    assert len(before["dp-1"]) >= 5 and len(before["dp-2"]) >= 5, before     # sshd, dockerd, containerd, shim, sleep
    data_roots = [host.data_root for host in dp.docker_hosts]
    mount_points = [Path(line) for line in sshhosts.MOUNT_POINTS_FILE.read_text().splitlines()]
    dp.stop()
    assert engine_leftovers(data_roots) == NOTHING
    assert not [pid for pids in before.values() for pid in pids if alive(pid)]
    assert not [path for path in mount_points if path.exists()]

    crashed = subprocess.run([sys.executable, "-c", CRASHING_RUN, str(tmp_path)], cwd=REPO, capture_output=True,
                             text=True, timeout=300)
    assert crashed.returncode == -9, crashed.stderr
    stale_cgroup = dockerd.cgroup_of("crash-d")
    stale = {int(pid) for procs in stale_cgroup.rglob("cgroup.procs") for pid in procs.read_text().split()}
    assert len(stale) >= 5 and (tmp_path / "hosts/crash-d/docker").is_dir()
    assert engine_leftovers([])["registries"]

    dp.start()                                      # removes the crashed fleet first
    assert not stale_cgroup.exists() and not [pid for pid in stale if alive(pid)]
    assert not (tmp_path / "hosts/crash-d/docker").exists()
    assert dp.docker("dp-1", "info", "--format", "{{.Name}}").stdout == "dp-1\n"
