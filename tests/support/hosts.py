"""Simulated hosts built from real captures; each names the story it tells."""

from __future__ import annotations

from dataclasses import replace

from tests.support.simhost import HostSpec

A2_TABLE = "npu-smi-info/blog-800IA2-910B4-x8-25.0.rc1.1.txt"
A2_64G_TABLE = "npu-smi-info/vllm-ascend-622-910B2-x8-24.1.0.txt"
A3_TABLE = "npu-smi-info/vllm-ascend-3689-A3-8x2chip-25.3.rc1-procs.txt"
DUO_TABLE = "npu-smi-info/gofixture-300IDuo-310P3-4x2chip-25.5.1-alldash.txt"
ALARM_TABLE = "npu-smi-info/nputop-fixture-310B4-alarm-23.0.0.txt"
WARNING_TABLE = "npu-smi-info/mindcluster-doc-warning-health-elided-23.0.5.txt"
DCMI_8005 = "npu-smi-info/vllm-ascend-2698-error-dcmi-8005-in-container.txt"

DRIVER_INFO = "/usr/local/Ascend/driver/version.info"
FIRMWARE_INFO = "/usr/local/Ascend/firmware/version.info"
TOOLKIT_INFO = "/usr/local/Ascend/ascend-toolkit/latest/aarch64-linux/ascend_toolkit_install.info"
OPENEULER = 'NAME="openEuler"\nVERSION="22.03 (LTS-SP3)"\nID="openEuler"\nVERSION_ID="22.03"\n'
JEMALLOC = "/usr/lib64/libjemalloc.so.2"
SET_ENV = "/usr/local/Ascend/ascend-toolkit/set_env.sh"

BASE_FILES = {
    DRIVER_INFO: "version-files/mindie-img-driver-version.info-24.1.rc2.2.txt",
    FIRMWARE_INFO: "version-files/mindcluster-fd-firmware-version.info-7.1.0.11.220.txt",
    "/etc/ascend_install.info": "version-files/blog-etc-ascend_install.info-driver-firmware.txt",
    TOOLKIT_INFO: "version-files/vllm-ascend-1401-ascend_toolkit_install.info-8.1.RC1.txt",
}
BASE_EXTRA = {"/etc/os-release": OPENEULER, JEMALLOC: "", SET_ENV: "# sourced by users\n"}
BASE_ENV = {
    "LD_PRELOAD": JEMALLOC,
    "ASCEND_TOOLKIT_HOME": "/usr/local/Ascend/ascend-toolkit/latest",
    "PYTORCH_NPU_ALLOC_CONF": "max_split_size_mb:256",
    "HCCL_OP_EXPANSION_MODE": "AIV",
}


def hccn_replies(devices, link="hccn/mindcluster-doc-link-up.txt",
                 health="hccn/mindcluster-doc-net_health-success.txt",
                 ip="hccn/mindcluster-fd-910A-ip-i0.txt") -> dict[str, str]:
    replies = {}
    for d in devices:
        replies.update({f"-i {d} -link -g": link, f"-i {d} -net_health -g": health, f"-i {d} -ip -g": ip})
    return replies


def atlas_800i_a2_healthy() -> HostSpec:
    """8x 910B4, all idle and OK, jemalloc preloaded, links up."""
    return HostSpec(
        devices=tuple(range(8)),
        npu_smi={"info": A2_TABLE, "info -l": "npu-smi-t/blog-800IA2-910B4-x8-info-l.txt",
                 "info -m": "npu-smi-t/blog-800IA2-910B4-x8-info-m-with-mcu.txt"},
        hccn=hccn_replies(range(8)),
        files=dict(BASE_FILES), extra_files=dict(BASE_EXTRA), env=dict(BASE_ENV), docker="up",
    )


def atlas_800i_a2_64g() -> HostSpec:
    """8x 910B2 with 64 GB each, idle: room for the tutorials' 32B model on two chips."""
    return replace(atlas_800i_a2_healthy(), npu_smi={"info": A2_64G_TABLE})


def atlas_800_a3_busy() -> HostSpec:
    """A3: 8 NPUs x 2 chips; NPUs 4-7 (devices 8-15) held by other processes."""
    return replace(atlas_800i_a2_healthy(), devices=tuple(range(16)), npu_smi={"info": A3_TABLE},
                   hccn=hccn_replies(range(16)))


def atlas_300i_duo() -> HostSpec:
    """4 Atlas 300I Duo cards, two 310P3 chips each; no RoCE, so no hccn_tool."""
    return replace(atlas_800i_a2_healthy(), devices=tuple(range(8)), npu_smi={"info": DUO_TABLE}, hccn={})


def alarm_chip() -> HostSpec:
    """One chip whose health is Alarm; npu-smi's health detail explains it."""
    return replace(atlas_800i_a2_healthy(), devices=(0,), hccn={},
                   npu_smi={"info": ALARM_TABLE,
                            "info -t health -i 0 -c 0": "npu-smi-t/mindcluster-fd-910A-health-i0-c0-alarm.txt"})


def chip_held_elsewhere() -> HostSpec:
    """Inside a container whose chip another container holds: npu-smi answers dcmi -8005."""
    return replace(atlas_800i_a2_healthy(), devices=(7,), npu_smi={"info": DCMI_8005}, hccn={})
