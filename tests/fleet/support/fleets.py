"""Fleets the tests start; each host names the story it tells (like tests/support/hosts.py)."""

from __future__ import annotations

from dataclasses import replace

from tests.support import hosts

from .sshhosts import SshHost

SKEW_DRIVER = "version-files/mindcluster-fd-driver-version.info-23.0.7.txt"
SKEW_TOOLKIT = "version-files/mindcluster-fd-ascend_toolkit_install.info-7.0.T10.txt"
SKEW_MARKER = "/opt/fleet-test/marker"


def driver_skew() -> hosts.HostSpec:
    """An A2 left behind: driver 23.0.7 and CANN 7.0 where the others run 24.1.rc2.2 and 8.1, an extra file and variable."""
    healthy = hosts.atlas_800i_a2_healthy()
    return replace(healthy,
                   files={**healthy.files, hosts.DRIVER_INFO: SKEW_DRIVER, hosts.TOOLKIT_INFO: SKEW_TOOLKIT},
                   extra_files={**healthy.extra_files, SKEW_MARKER: "left behind\n"},
                   env={**healthy.env, "FLEET_STORY": "driver-skew"})


def npu_smi_hung() -> hosts.HostSpec:
    """npu-smi never answers (a wedged driver): only a deadline ends it."""
    return replace(hosts.atlas_800i_a2_healthy(), npu_smi_delay_s=3600)


def mixed() -> list[SshHost]:
    """The fleet tests/fleet shares: every kind of host a fleet check meets."""
    return [
        SshHost("a2-healthy"),                                                # root login, RoCE up
        SshHost("a2-ops", spec=hosts.atlas_800i_a2_64g(), user="ops",         # sudo user; chip 7's link down
                roce_down_chips=(7,)),
        SshHost("a3-busy", spec=hosts.atlas_800_a3_busy(), tls_switch=1,      # 16 chips, 8 taken; TLS on
                vllm_services=[{"name": "qwen3-vl-8b", "recipe": "qwen3-vl-8b", "devices": [8], "port": 8000}]),
        SshHost("duo", spec=hosts.atlas_300i_duo()),                          # 310P3, no RoCE, no hccn_tool
        SshHost("driver-skew", spec=driver_skew()),
        SshHost("no-python", python3=False),
        SshHost("smi-hung", spec=npu_smi_hung()),
        SshHost("down", down=True),                                           # refuses connections
        SshHost("rekeyed", host_key_changed=True),                            # known_hosts has its old key
        SshHost("bastion", bastion=True),
        SshHost("hidden-1", behind_bastion=True),
        SshHost("hidden-2", behind_bastion=True, user="ops"),
        *cluster(),
    ]


DEPLOY_HOSTS = ("dp-1", "dp-2", "dp-3")
DEPLOY_DIRECTORIES = ("/usr/local/dcmi", "/usr/local/Ascend/driver/lib64", "/root/.cache", "/data/models")


def deploy_host() -> hosts.HostSpec:
    """A 64 GB A2 that serves models: driver directories to mount, a model directory, the real docker, and an
    npu-smi that lists the containers of its own engine holding chips (tests/support/live_npu_smi.py)."""
    return replace(hosts.atlas_800i_a2_64g(), npu_smi_mode="live", directories=DEPLOY_DIRECTORIES, docker=None)


def deploy_hosts() -> list[SshHost]:
    """The hosts the Ansible deploy tests deploy to: each its own Docker engine, reached as ops with sudo."""
    return [SshHost(name, spec=deploy_host(), user="ops", docker=True) for name in DEPLOY_HOSTS]


CLUSTER = "c1"
WRONG_HCCL_IF_IP = "10.213.9.9"          # an address no host of the fleet has
SHARED_DEVICE_IP = "192.168.100.200"     # given to chip 0 of both c1-a and c1-c


def cluster() -> list[SshHost]:
    """Three A2 nodes that serve one model together (ascend_cluster: c1), each with one fault:
    c1-b's TLS switch is on, c1-c's chip 1 answers no ping and its HCCL_IF_IP is not its own,
    and c1-a's and c1-c's chip 0 share one address."""
    def node(name: str, env: dict | None = None, **more) -> SshHost:
        healthy = hosts.atlas_800i_a2_healthy()
        spec = replace(healthy, env={**healthy.env, **(env or {})})
        return SshHost(name, spec=spec, inventory_vars={"ascend_cluster": CLUSTER}, **more)
    return [
        node("c1-a", device_ip_overrides={0: SHARED_DEVICE_IP}),
        node("c1-b", tls_switch=1),
        node("c1-c", env={"HCCL_IF_IP": WRONG_HCCL_IF_IP}, roce_down_chips=(1,),
             device_ip_overrides={0: SHARED_DEVICE_IP}),
    ]
