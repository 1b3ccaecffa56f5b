"""The simulated SSH fleet behaves like a fleet of real Atlas hosts, for ssh, paramiko, Fabric and Ansible."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.fleet.conftest import missing
from tests.fleet.support import fleets, network, roce, sshhosts
from tests.support import hosts
from tests.support.simhost import CONTROL_MAJOR, DAVINCI_MAJOR, fixture

pytestmark = pytest.mark.fleet

REPO = Path(__file__).resolve().parents[2]
HCCN_TOOL = "/usr/local/Ascend/driver/tools/hccn_tool"

# What a fleet collector does: run on the host's own python3, fed on stdin, standard library only.
COLLECTOR = r"""
import json, os, socket, stat, subprocess

def node(name):
    info = os.stat("/dev/" + name)
    return [stat.S_ISCHR(info.st_mode), os.major(info.st_rdev), os.minor(info.st_rdev)]

names = [n for n in os.listdir("/dev") if n.startswith(("davinci", "devmm_svm", "hisi_hdc"))]
shm = os.statvfs("/dev/shm")
print(json.dumps({
    "hostname": socket.gethostname(),
    "nodes": {n: node(n) for n in sorted(names)},
    "driver": open("/usr/local/Ascend/driver/version.info").read(),
    "npu_smi": subprocess.run(["npu-smi", "info"], capture_output=True, text=True, timeout=10).stdout,
    "shm_bytes": shm.f_blocks * shm.f_frsize,
    "story": os.environ.get("FLEET_STORY"),
}))
"""


def expected_view(host: sshhosts.RunningHost) -> dict:
    spec = host.host.spec
    nodes = {f"davinci{i}": [True, DAVINCI_MAJOR, i] for i in spec.devices}
    nodes.update({name: [True, CONTROL_MAJOR, n] for n, name in enumerate(spec.control_nodes)})
    return {
        "hostname": host.name,
        "nodes": dict(sorted(nodes.items())),
        "driver": fixture(spec.files[hosts.DRIVER_INFO]).read_text(),
        "npu_smi": fixture(spec.npu_smi["info"]).read_text(),
        "shm_bytes": 16 * 2**30,
        "story": spec.env.get("FLEET_STORY"),
    }


def require(module: str):
    try:
        return importlib.import_module(module)
    except ImportError:
        missing(f"{module} is not installed (pip install fabric)")


# ---- the real ssh client -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a2-healthy", "a3-busy", "duo", "driver-skew", "hidden-1"])
def test_a_collector_on_stdin_sees_the_hosts_own_devices_versions_and_npu_smi(fleet, name):
    done = fleet.ssh(name, "python3 -", stdin=COLLECTOR)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == expected_view(fleet[name])


def test_hosts_differ_as_their_specs_do(fleet):
    views = {name: json.loads(fleet.ssh(name, "python3 -", stdin=COLLECTOR).stdout)
             for name in ("a2-healthy", "a3-busy", "driver-skew")}
    assert views["a2-healthy"]["npu_smi"] != views["a3-busy"]["npu_smi"]
    assert len(views["a3-busy"]["nodes"]) == len(views["a2-healthy"]["nodes"]) + 8
    assert "Version=23.0.7" in views["driver-skew"]["driver"]
    assert "Version=24.1.rc2.2" in views["a2-healthy"]["driver"]
    assert fleet.ssh("driver-skew", f"cat {fleets.SKEW_MARKER}").stdout == "left behind\n"
    assert fleet.ssh("a2-healthy", f"test -e {fleets.SKEW_MARKER}").returncode == 1


def test_root_logs_in_with_the_fleet_key_against_known_hosts(fleet):
    done = fleet.ssh("a2-healthy", "id -un; uname -n; cat /etc/machine-id")
    user, hostname, machine_id = done.stdout.split()
    assert (user, hostname) == ("root", "a2-healthy")
    assert machine_id != fleet.ssh("a3-busy", "cat /etc/machine-id").stdout.strip()


def test_an_unknown_host_key_is_refused(fleet, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    done = subprocess.run(fleet.ssh_argv("a2-healthy", "true", options=("-o", f"UserKnownHostsFile={empty}")),
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 255 and "Host key verification failed" in done.stderr


def test_only_the_fleet_key_logs_in(fleet, tmp_path):
    stranger = tmp_path / "stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stranger)], check=True, timeout=30)
    argv = ["ssh", "-F", "/dev/null", "-i", str(stranger), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
            "-o", f"UserKnownHostsFile={fleet.known_hosts}", "-o", "StrictHostKeyChecking=yes",
            f"root@{fleet['a2-healthy'].address}", "true"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert done.returncode == 255 and "Permission denied (publickey)" in done.stderr


@pytest.mark.parametrize("name", ["a2-ops", "hidden-2", "a2-healthy"])
def test_the_sudo_user_runs_sudo_without_a_password(fleet, name):
    done = fleet.ssh(name, "id -un; sudo -n true && sudo -n id -u", user="ops")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ops", "0"]


def test_the_host_without_python3_cannot_run_the_collector(fleet):
    done = fleet.ssh("no-python", "python3 -", stdin=COLLECTOR)
    assert done.returncode == 127 and "python3: command not found" in done.stderr
    assert fleet.ssh("no-python", "ls /usr/bin/python3*").returncode != 0
    assert fleet.ssh("no-python", "echo the shell works").stdout == "the shell works\n"


def test_nothing_of_the_project_is_on_the_hosts(fleet):
    done = fleet.ssh("a2-healthy", "python3 -c 'import doctor'")
    assert done.returncode == 1 and "No module named 'doctor'" in done.stderr
    assert fleet.ssh("a2-healthy", "command -v ascend-doctor || ls /root/.pyenv").returncode != 0


def test_a_hidden_host_is_reached_only_through_the_bastion(fleet):
    hidden = fleet["hidden-1"]
    assert fleet.ssh("hidden-1", "hostname").stdout == "hidden-1\n"          # ssh_config: ProxyJump bastion
    direct = subprocess.run(fleet.ssh_argv("hidden-1", "true", options=("-o", "ProxyJump=none")),
                            capture_output=True, text=True, timeout=30)
    assert direct.returncode == 255 and "No route to host" in direct.stderr
    with pytest.raises(OSError):
        socket.create_connection((hidden.address, 22), timeout=3).close()
    probe = f"timeout 3 bash -c 'echo > /dev/tcp/{hidden.address}/22'"
    assert fleet.ssh("a2-healthy", probe).returncode != 0
    assert fleet.ssh("bastion", probe).returncode == 0


def test_hosts_reach_nothing_outside_the_fleet(fleet):
    assert "default" not in fleet.ssh("a2-healthy", "ip route").stdout
    done = fleet.ssh("bastion", "timeout 3 bash -c 'echo > /dev/tcp/192.0.2.1/53'")
    assert done.returncode != 0 and "Network is unreachable" in done.stderr


def test_a_changed_host_key_is_rejected(fleet):
    done = fleet.ssh("rekeyed", "true")
    assert done.returncode == 255 and "REMOTE HOST IDENTIFICATION HAS CHANGED" in done.stderr
    served = fleet.inside("rekeyed", ["cat", "/etc/ssh/ssh_host_ed25519_key.pub"]).stdout.split()[1]
    assert served not in fleet.known_hosts.read_text()


def test_a_down_host_refuses_connections(fleet):
    done = fleet.ssh("down", "true")
    assert done.returncode == 255 and "Connection refused" in done.stderr


def test_a_hung_npu_smi_answers_nothing_until_killed(fleet):
    done = fleet.ssh("smi-hung", "timeout 1 npu-smi info")
    assert done.returncode == 124 and done.stdout == ""


# ---- the simulated RoCE network --------------------------------------------------------------------


def hccn(fleet, name: str, arguments: str) -> str:
    done = fleet.ssh(name, f"{HCCN_TOOL} {arguments}")
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_ping_to_a_planned_device_ip_answers(fleet):
    target = fleet["a3-busy"].device_ips[5]
    answer = hccn(fleet, "a2-healthy", f"-i 5 -ping -g address {target}").splitlines()
    assert answer[0] == f"device 5 PING {target}"
    assert answer[1:] == fixture(roce.PING_CAPTURE).read_text().splitlines()[1:]
    assert answer[-1] == "3 packets transmitted, 3 received, 0.00% packet loss"


@pytest.mark.parametrize("target", ["down-chip", "unplanned"])
def test_a_ping_to_a_down_or_unplanned_device_ip_shows_loss(fleet, target):
    address = fleet["a2-ops"].device_ips[7] if target == "down-chip" else "192.168.107.250"
    answer = hccn(fleet, "a2-healthy", f"-i 7 -ping -g address {address}").splitlines()
    assert answer == [f"device 7 PING {address}", "3 packets transmitted, 0 received, 100.00% packet loss"]


def test_a_chip_whose_link_is_down_reaches_nobody(fleet):
    answer = hccn(fleet, "a2-ops", f"-i 7 -ping -g address {fleet['a2-healthy'].device_ips[7]}")
    assert "100.00% packet loss" in answer


def test_reachability_changes_while_the_fleet_runs(fleet):
    address = fleet["a2-healthy"].device_ips[0]
    try:
        fleet.set_roce_reachable(address, False)
        assert "100.00% packet loss" in hccn(fleet, "a3-busy", f"-i 0 -ping -g address {address}")
    finally:
        fleet.set_roce_reachable(address, True)
    assert " 0.00% packet loss" in hccn(fleet, "a3-busy", f"-i 0 -ping -g address {address}")


def test_device_ips_agree_between_hccn_conf_and_hccn_tool(fleet):
    host = fleet["a3-busy"]
    conf = fleet.ssh("a3-busy", "cat /etc/hccn.conf").stdout
    assert f"address_15={host.device_ips[15]}\n" in conf
    assert hccn(fleet, "a3-busy", "-i 15 -ip -g") == f"ipaddr:{host.device_ips[15]}\nnetmask:{roce.NETMASK}\n"


def test_tls_switch_follows_the_host(fleet):
    assert hccn(fleet, "a3-busy", "-i 2 -tls -g").startswith("dev_id:2, tls switch[1](0:disable, 1:enable)")
    assert hccn(fleet, "a2-healthy", "-i 0 -tls -g") == fixture(roce.TLS_CAPTURE).read_text()


def test_other_hccn_queries_replay_the_hosts_captures(fleet):
    assert hccn(fleet, "a2-healthy", "-i 3 -link -g") == fixture("hccn/mindcluster-doc-link-up.txt").read_text()
    assert fleet.ssh("a2-healthy", f"{HCCN_TOOL} -i 99 -ip -g").returncode == 1
    assert fleet.ssh("duo", f"test -e {HCCN_TOOL} || test -e /etc/hccn.conf").returncode == 1


# ---- paramiko and Fabric --------------------------------------------------------------------------


@pytest.mark.parametrize("name, user", [("a2-healthy", "root"), ("a2-ops", "ops"), ("hidden-2", "ops")])
def test_paramiko_runs_the_collector(fleet, name, user):
    require("paramiko")
    with fleet.paramiko(name, user) as client:
        stdin, stdout, stderr = client.exec_command("python3 -", timeout=30)
        stdin.write(COLLECTOR)
        stdin.channel.shutdown_write()
        output, status = stdout.read().decode(), stdout.channel.recv_exit_status()
    assert status == 0, stderr.read().decode()
    assert json.loads(output) == expected_view(fleet[name])


def test_paramiko_rejects_the_changed_host_key(fleet):
    paramiko = require("paramiko")
    with pytest.raises(paramiko.BadHostKeyException), fleet.paramiko("rekeyed"):
        pass


@pytest.mark.parametrize("name", ["a3-busy", "hidden-1"])
def test_fabric_runs_commands_and_the_collector(fleet, name):
    """The collector goes down a session channel: Fabric's run(in_stream=) sends 1 byte per 10 ms (invoke)."""
    require("fabric")
    with fleet.fabric(name) as connection:
        assert connection.run("hostname", hide=True, in_stream=False).stdout == f"{name}\n"
        channel = connection.create_session()
        channel.exec_command("python3 -")
        channel.sendall(COLLECTOR.encode())
        channel.shutdown_write()
        output = channel.makefile("rb").read().decode()
        assert channel.recv_exit_status() == 0
    assert json.loads(output) == expected_view(fleet[name])


def test_fabric_rejects_the_changed_host_key(fleet):
    require("fabric")
    paramiko = require("paramiko")
    with pytest.raises(paramiko.BadHostKeyException), fleet.fabric("rekeyed") as connection:
        connection.run("true", hide=True, in_stream=False)


# ---- the inventory ---------------------------------------------------------------------------------


def test_the_inventory_describes_every_host(fleet):
    inventory = yaml.safe_load(fleet.inventory.read_text())["all"]["children"]
    nodes = inventory["vllm_hosts"]["hosts"]
    assert sorted([*nodes, *inventory["bastions"]["hosts"]]) == sorted(host.name for host in fleet)
    assert nodes["a2-ops"]["ansible_user"] == "ops" and nodes["a2-ops"]["ansible_become"] is True
    assert "ansible_become" not in nodes["a2-healthy"]
    assert nodes["hidden-2"]["ansible_ssh_common_args"].endswith(f"-o ProxyJump=root@{fleet['bastion'].address}")
    for name, variables in nodes.items():
        assert variables["ansible_host"] == fleet[name].address
        assert variables["ansible_ssh_private_key_file"] == str(fleet.key)
        expected = fleet[name].host.vllm_services or [{"devices": [0]}]
        assert variables["vllm_services"][0]["devices"] == expected[0]["devices"]


def test_ansible_reaches_root_sudo_and_hidden_hosts_with_the_inventory(fleet):
    if not shutil.which("ansible"):
        missing("ansible is not installed (pip install ansible-core)")
    done = subprocess.run(["ansible", "-i", str(fleet.inventory), "a2-healthy,a2-ops,hidden-2,no-python",
                           "-m", "ansible.builtin.command", "-a", "id -un"],
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    report = done.stdout
    for name in ("a2-healthy", "a2-ops", "hidden-2"):
        assert f"{name} | CHANGED | rc=0 >>\nroot" in report, report + done.stderr
    assert "no-python | FAILED" in report


# ---- one fleet at a time, and nothing left behind ----------------------------------------------------


def test_a_second_fleet_is_refused_while_one_runs(fleet, tmp_path):
    with pytest.raises(sshhosts.FleetError, match="another fleet is running"):
        sshhosts.Fleet([sshhosts.SshHost("intruder")], tmp_path).start()
    assert fleet.ssh("a2-healthy", "true").returncode == 0


def leftovers() -> dict:
    """What a fleet leaves on the machine: namespaces, root-namespace links and route, sshd processes."""
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, timeout=30).stdout
    routes = subprocess.run(["ip", "route"], capture_output=True, text=True, timeout=30).stdout
    return {
        "namespaces": network.fleet_namespaces(),
        "links": [line.split(":")[1].strip() for line in links.splitlines() if network.PREFIX in line],
        "routes": [line for line in routes.splitlines() if str(network.FLEET_RANGE) in line],
        "sshd": [pid for pid in os.listdir("/proc") if pid.isdigit() and _is_fleet_sshd(pid)],
    }


def _is_fleet_sshd(pid: str) -> bool:
    try:
        return b"sshd -D -e -f /etc/ssh/sshd_config" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


NOTHING = {"namespaces": [], "links": [], "routes": [], "sshd": []}
CRASHING_RUN = """
import os, signal, sys
from tests.fleet.support.sshhosts import Fleet, SshHost
Fleet([SshHost("crash-1"), SshHost("crash-2", behind_bastion=True), SshHost("crash-b", bastion=True)],
      sys.argv[1]).start()
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_teardown_leaves_nothing_even_after_a_crash(fleet, tmp_path):
    """Last in this module: it stops the shared fleet, crashes another, and starts the shared one again."""
    fleet.stop()
    assert leftovers() == NOTHING
    crashed = subprocess.run([sys.executable, "-c", CRASHING_RUN, str(tmp_path)], cwd=REPO, capture_output=True,
                             text=True, timeout=120)
    assert crashed.returncode == -9, crashed.stderr
    stale = leftovers()
    assert "adfl-crash-1" in stale["namespaces"] and len(stale["sshd"]) == 3
    fleet.start()                                   # removes the crashed fleet first
    assert "adfl-crash-1" not in network.fleet_namespaces()
    assert fleet.ssh("hidden-1", "hostname").stdout == "hidden-1\n"
