"""A docker host's own Docker engine: one dockerd inside the host's network, mount, PID and cgroup namespaces.

The boot script of a docker host (hostroot.boot_script) mounts cgroup2 at /sys/fs/cgroup
(``ip netns exec`` gives a fresh /sys without it), binds the host's data root
``hosts/NAME/docker`` (on the fleet directory's disk) at /var/lib/docker, and starts dockerd
in the background before it becomes sshd. dockerd's defaults then hold on the host:
/run/docker.sock, /run/docker (exec root), /run/docker.pid, its own containerd, iptables rules
and a docker0 bridge in the host's own network namespace. /etc/docker/daemon.json (in the
host's tree) names the fleet's registries as insecure. ``--device /dev/davinciN`` and ``-v``
of host paths resolve in the host's mount namespace, as on a real host.

Each docker host boots in its own cgroup ``adfl-NAME`` of the machine's cgroup2 hierarchy and
its own cgroup namespace rooted there: dockerd puts containers under ``/docker/ID`` as seen on
the host, and teardown removes ``adfl-*`` cgroups once their processes are gone.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import shlex
import shutil
import socket
import subprocess
import time
from pathlib import Path

from . import network

DATA_ROOT_IN_HOST = "/var/lib/docker"
SOCKET_IN_HOST = "/run/docker.sock"
DATA_DIR = "docker"                 # hosts/NAME/docker: the data root on the controller
DATA_ROOTS_FILE = Path("/run/ascend-doctor-fleet.data-roots")
LOG = "dockerd.log"                 # hosts/NAME/dockerd.log
START_DEADLINE_S = 60.0
CGROUP_DEADLINE_S = 10.0
REMOVE_DEADLINE_S = 300.0
REQUIRED_TOOLS = ("dockerd", "docker", "containerd", "runc", "iptables")
ENGINE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"     # dockerd finds containerd, runc


def daemon_json(insecure_registries: list[str]) -> str:
    """The host's /etc/docker/daemon.json: what a real host's admin writes for a plain-HTTP registry."""
    return json.dumps({"insecure-registries": insecure_registries}, indent=2) + "\n"


def boot_lines(stage: str) -> list[str]:
    """Boot script lines (after /dev is built): cgroup2, the data root, then dockerd in the background."""
    dockerd = ["dockerd", "--data-root", DATA_ROOT_IN_HOST, "--exec-root", "/run/docker",
               "--pidfile", "/run/docker.pid", "-H", f"unix://{SOCKET_IN_HOST}", "--storage-driver", "overlay2"]
    return [
        "mount -t cgroup2 cgroup2 /sys/fs/cgroup",
        f"mkdir -p {DATA_ROOT_IN_HOST}",
        f"mount --bind {stage}/{DATA_DIR} {DATA_ROOT_IN_HOST}",
        f"mountpoint -q {DATA_ROOT_IN_HOST}",           # never the machine's own /var/lib/docker
        f"exec 3>>{stage}/{LOG}",                         # opened here: the stage is gone once dockerd runs
        f"PATH={ENGINE_PATH} {shlex.join(dockerd)} >&3 2>&3 </dev/null 3>&- &",
        "exec 3>&-",
    ]


# ---- cgroups ------------------------------------------------------------------------------------


def cgroup2_root() -> Path | None:
    """Where the machine's cgroup2 hierarchy is mounted (/sys/fs/cgroup or /sys/fs/cgroup/unified)."""
    for line in Path("/proc/self/mounts").read_text().splitlines():
        fields = line.split()
        if fields[2] == "cgroup2":
            return Path(fields[1])
    return None


def cgroup_of(host: str) -> Path:
    root = cgroup2_root()
    if root is None:
        raise RuntimeError("no cgroup2 hierarchy is mounted on this machine")
    return root / network.namespace_of(host)


def enter_cgroup(host: str, argv: list[str]) -> list[str]:
    """argv run from the host's cgroup (made here), so that `unshare --cgroup` roots the host's view there."""
    cgroup = cgroup_of(host)
    cgroup.mkdir(exist_ok=True)
    return ["sh", "-c", 'echo $$ > "$0" && exec "$@"', str(cgroup / "cgroup.procs"), *argv]


def remove_cgroups() -> list[str]:
    """Remove every adfl-* cgroup, deepest first, waiting (bounded) for their last processes to die."""
    root = cgroup2_root()
    if root is None:
        return []
    tops = sorted(root.glob(network.PREFIX + "*"))
    deadline = time.monotonic() + CGROUP_DEADLINE_S
    for top in tops:
        _remove_tree(top, deadline)
    return [top.name for top in tops]


def _remove_tree(top: Path, deadline: float) -> None:
    for directory in sorted((p for p in top.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)) + [top]:
        while True:
            try:
                directory.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError as error:                  # EBUSY: a process is still dying in it
                if time.monotonic() >= deadline:
                    raise RuntimeError(f"cgroup {directory} still busy after {CGROUP_DEADLINE_S:.0f} s: {error}; "
                                       f"processes: {_procs(directory)}") from None
                time.sleep(0.02)


def _procs(cgroup: Path) -> str:
    with contextlib.suppress(OSError):
        return " ".join((cgroup / "cgroup.procs").read_text().split()) or "none"
    return "?"


# ---- the engine ---------------------------------------------------------------------------------


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: Path, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(str(self.unix_path))


def engine_info(socket_path: Path, timeout: float = 2.0) -> dict | None:
    """GET /info on the engine's socket (what `docker info` asks); None while it does not answer."""
    connection = _UnixConnection(socket_path, timeout)
    try:
        connection.request("GET", "/info")
        reply = connection.getresponse()
        return json.loads(reply.read(4 * 2**20)) if reply.status == 200 else None
    except (OSError, ValueError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def wait_until_answering(name: str, socket_path: Path, log: Path, alive, deadline: float) -> dict:
    """Poll the engine until it answers; ``alive()`` says whether the host still runs. Raises with the log."""
    while time.monotonic() < deadline:
        info = engine_info(socket_path)
        if info is not None:
            return info
        if not alive():
            raise RuntimeError(f"{name}: dockerd exited (or the host died) before it answered; see {log}:\n"
                               f"{tail(log)}")
        time.sleep(0.05)
    raise RuntimeError(f"{name}: dockerd did not answer on {socket_path} within {START_DEADLINE_S:.0f} s; "
                       f"see {log}:\n{tail(log)}")


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def record_data_roots(paths: list[Path]) -> None:
    """Where the running fleet's engines keep their data, so that a crashed run's is found and removed."""
    DATA_ROOTS_FILE.write_text("".join(f"{path}\n" for path in paths))


def remove_recorded_data_roots() -> None:
    if not DATA_ROOTS_FILE.exists():
        return
    recorded = [Path(line) for line in DATA_ROOTS_FILE.read_text().splitlines()]
    remove_data_roots([path for path in recorded if path.name == DATA_DIR and path.parent.parent.name == "hosts"])
    DATA_ROOTS_FILE.unlink()


def remove_data_roots(paths: list[Path]) -> None:
    """The engines' images and containers, all at once; only after their processes (and mounts) are gone.

    `rm -rf` is twice as fast as shutil.rmtree here: a pulled stand-in is 81,000 files (8 s).
    """
    removals = [subprocess.Popen(["rm", "-rf", "--one-file-system", str(path)], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True) for path in paths]
    deadline = time.monotonic() + REMOVE_DEADLINE_S
    for path, removal in zip(paths, removals):
        try:
            _, errors = removal.communicate(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            removal.kill()
            removal.wait()
            errors = f"not done after {REMOVE_DEADLINE_S:.0f} s"
        if path.exists():
            raise RuntimeError(f"could not remove the docker data root {path}: {errors.strip()}")


def unavailable_reason(search_path: str) -> str | None:
    missing = [tool for tool in REQUIRED_TOOLS if not shutil.which(tool, path=search_path)]
    if missing:
        return f"docker hosts need {', '.join(missing)}: run tests/e2e/support/start-docker.sh"
    if cgroup2_root() is None:
        return "docker hosts need a cgroup2 hierarchy mounted on the machine"
    return None
