"""The names of the evidence: observation keys, the files they read, and the name patterns
that probes and checks both need. Probes write these keys; checks read them.

Standard library only and Python 3.7, since the fleet collector carries it.
"""

from __future__ import annotations

import re
from typing import List, Mapping, Optional

ANY = "*"     # in a key pattern: the part that varies (a device, a chip, a path)

# -- what the probes describe -------------------------------------------------------------------
DEV = "dev"                          # /dev entries (davinci*, devmm_svm, hisi_hdc) described
ENV = "env"                          # the environment variables that matter, secrets redacted
PATHS = "paths"                      # files whose presence matters (jemalloc, LD_PRELOAD, set_env.sh)
SHM = "shm"                          # /dev/shm size
MEMORY = "memory"                    # /proc/meminfo totals
INTERFACES = "interfaces"            # network interfaces and their addresses
PLATFORM = "platform"                # machine, hostname, kernel
NPU_PROCESSES = "npu-processes"      # /proc/PID/cgroup of the processes npu-smi lists
PYTHON_PACKAGES = "python-packages"  # the --python interpreter's distributions

# -- commands -----------------------------------------------------------------------------------
DOCKER_INFO = "docker info"
DOCKER_PS = "docker ps"


def npu_smi_key(*args: str) -> str:
    return " ".join(("npu-smi", *args))


NPU_SMI_INFO = npu_smi_key("info")


def npu_smi_health_key(npu_id: object, chip_id: object) -> str:
    return npu_smi_key("info", "-t", "health", "-i", str(npu_id), "-c", str(chip_id))


def hccn_key(device: object, query: str) -> str:
    return f"hccn_tool -i {device} {query} -g"


def hccn_device(key: str, query: str) -> Optional[int]:
    """N of a `hccn_tool -i N QUERY -g` key; None for any other key."""
    prefix, suffix = "hccn_tool -i ", f" {query} -g"
    number = key[len(prefix):-len(suffix)] if key.startswith(prefix) and key.endswith(suffix) else ""
    return int(number) if number.isascii() and number.isdigit() else None


def npu_ping_key(device: int, address: str) -> str:
    return f"hccn_tool -i {device} -ping -g address {address}"


def host_ping_key(address: str) -> str:
    return f"ping {address}"


def image_key(image: str) -> str:
    return f"docker image inspect {image}"


# -- files --------------------------------------------------------------------------------------
FILE_PREFIX = "file:"
ASCEND_DIR = "/usr/local/Ascend/"
DRIVER_INFO = ASCEND_DIR + "driver/version.info"
FIRMWARE_INFO = ASCEND_DIR + "firmware/version.info"
INSTALL_INFO = "/etc/ascend_install.info"
OS_RELEASE = "/etc/os-release"
HCCN_CONF = "/etc/hccn.conf"
ASCEND_FILES = FILE_PREFIX + ASCEND_DIR + ANY       # every version file read under /usr/local/Ascend


def file_key(path: str) -> str:
    return FILE_PREFIX + path


def path_of(key: str) -> str:
    """The path a `file:` key reads."""
    return key[len(FILE_PREFIX):]


# -- names read from /dev, LD_PRELOAD and the library directories --------------------------------
_DAVINCI = re.compile(r"davinci(\d+)")


def davinci_index(name: str) -> Optional[int]:
    """N of a /dev/davinciN entry's name; None for anything else (davinci_manager ...)."""
    found = _DAVINCI.fullmatch(name)
    return int(found.group(1)) if found else None


JEMALLOC_CANDIDATES = (
    "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2",
    "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
    "/usr/lib64/libjemalloc.so.2",
    "/usr/local/lib/libjemalloc.so.2",
)
LIBRARY_DIRS = ("/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib",
                "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu")


def preload_entries(env: Mapping[str, str]) -> List[str]:
    return [p for p in re.split(r"[:\s]+", env.get("LD_PRELOAD", "")) if p]


def preload_candidates(entry: str) -> List[str]:
    """Where the loader may find an LD_PRELOAD entry: the path itself, or a bare name in the library dirs."""
    if "/" in entry:
        return [entry]
    return [f"{directory}/{entry}" for directory in LIBRARY_DIRS]
