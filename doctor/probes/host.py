"""Probes of the host itself: environment, /dev/shm, memory, interfaces, platform, Python packages."""

from __future__ import annotations

import json
import os
import platform
import socket
import time
from typing import Mapping

from doctor.evidence import FAILED, MISSING, OK, Observation
from doctor.evidence_keys import ENV, INTERFACES, MEMORY, NPU_PROCESSES, PLATFORM, PYTHON_PACKAGES, SHM
from doctor.probes import netlink
from doctor.probes.command import run_command
from doctor.probes.files import under_root
from doctor.redact import redact_env

# Variables that decide whether vLLM on Ascend starts and how it behaves.
ENV_PREFIXES = ("ASCEND_", "HCCL_", "GLOO_", "VLLM_", "PYTORCH_NPU_", "TORCH_", "NPU_", "HCCN_", "OMP_", "TASK_QUEUE")
ENV_NAMES = ("LD_PRELOAD", "LD_LIBRARY_PATH", "PATH", "PYTHONPATH", "PYTORCH_CUDA_ALLOC_CONF", "HF_ENDPOINT", "HF_HUB_OFFLINE",
             "MASTER_ADDR", "MASTER_PORT", "NCCL_SOCKET_IFNAME", "TP_SOCKET_IFNAME")

PACKAGES_SCRIPT = (
    "import json, sys, importlib.metadata as m\n"
    "print(json.dumps({'python': sys.version.split()[0],"
    " 'packages': {d.metadata['Name']: d.version for d in m.distributions() if d.metadata['Name']}}))"
)


def _json_obs(key: str, payload: object, started: float) -> Observation:
    return Observation(key, "json", OK, output=json.dumps(payload, indent=1, sort_keys=True), started_at=started)


def probe_env(env: Mapping[str, str]) -> Observation:
    started = time.time()
    picked = {k: v for k, v in env.items() if k.startswith(ENV_PREFIXES) or k in ENV_NAMES}
    return _json_obs(ENV, redact_env(picked), started)


def probe_shm(root: str) -> Observation:
    started = time.time()
    path = under_root(root, "/dev/shm")
    try:
        vfs = os.statvfs(path)
    except FileNotFoundError:
        return Observation(SHM, "json", MISSING, detail="/dev/shm does not exist", started_at=started)
    except OSError as exc:
        return Observation(SHM, "json", FAILED, detail=str(exc), started_at=started)
    return _json_obs(SHM, {"path": "/dev/shm", "total_bytes": vfs.f_blocks * vfs.f_frsize,
                             "free_bytes": vfs.f_bavail * vfs.f_frsize}, started)


def probe_memory() -> Observation:
    started = time.time()
    try:
        fields = meminfo()
    except OSError as exc:
        return Observation(MEMORY, "json", FAILED, detail=f"/proc/meminfo: {exc.strerror or exc}", started_at=started)
    return _json_obs(MEMORY, {"total_bytes": fields.get("MemTotal"), "available_bytes": fields.get("MemAvailable")},
                     started)


def meminfo(path: str = "/proc/meminfo") -> dict[str, int]:
    """/proc/meminfo in bytes: 'MemTotal:  16318648 kB' -> {'MemTotal': 16710295552}."""
    fields = {}
    with open(path) as handle:
        for line in handle.read(64 * 1024).splitlines():
            name, _, value = line.partition(":")
            parts = value.split()
            if parts and parts[0].isdigit():
                fields[name.strip()] = int(parts[0]) * (1024 if parts[1:] == ["kB"] else 1)
    return fields


def probe_interfaces() -> Observation:
    started = time.time()
    try:
        table = netlink.interfaces()
    except OSError as exc:
        return Observation(INTERFACES, "json", FAILED, detail=f"rtnetlink: {exc}", started_at=started)
    return _json_obs(INTERFACES, table, started)


def probe_platform() -> Observation:
    started = time.time()
    return _json_obs(PLATFORM, {"machine": platform.machine(), "hostname": socket.gethostname(),
                                  "kernel": platform.release()}, started)


PROC_FILE_LIMIT = 64 * 1024
PROCESS_LIMIT = 4096


def probe_process_owners(pids: list[int]) -> Observation:
    """/proc/PID/cgroup and comm of the processes npu-smi lists: the cgroup names the container."""
    started = time.time()
    table = {str(pid): {"cgroup": _proc_text(pid, "cgroup"), "comm": _proc_text(pid, "comm")}
             for pid in pids[:PROCESS_LIMIT]}
    return _json_obs(NPU_PROCESSES, table, started)


def _proc_text(pid: int, name: str) -> str | None:
    try:
        with open(f"/proc/{int(pid)}/{name}", "rb") as handle:
            return handle.read(PROC_FILE_LIMIT).decode("utf-8", "replace")
    except OSError:
        return None


def probe_python(python: str, timeout: float, search_dirs: list[str]) -> Observation:
    return run_command(PYTHON_PACKAGES, [python, "-c", PACKAGES_SCRIPT], timeout, search_dirs)
