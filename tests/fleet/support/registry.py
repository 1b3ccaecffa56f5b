"""The fleet's registries: the machine's registry content, served where the hosts can reach it.

The machine's registry (tests/e2e/support/start-registry.sh) listens on 127.0.0.1:5000, which
no host reaches. While a fleet with docker hosts runs, two more docker-registry processes serve
the same storage directory on the controller's fleet address:

- ``REGISTRY`` (10.213.0.1:5000): plain HTTP, no authentication, like the machine's own;
- ``AUTH_REGISTRY`` (10.213.0.1:5001): plain HTTP with basic authentication (``REGISTRY_USER``,
  ``REGISTRY_PASSWORD``, a bcrypt htpasswd file made with apache2-utils' htpasswd), for
  ``docker login``.

Both are in every docker host's insecure-registries. Their configs are named ``adfl-registry-*``
so that a crashed run's registries are found (by command line) and stopped.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from . import network

ADDRESS = str(network.CONTROLLER_ADDRESS)
REGISTRY = f"{ADDRESS}:5000"
AUTH_REGISTRY = f"{ADDRESS}:5001"
REGISTRY_USER = "fleet"
REGISTRY_PASSWORD = "fleet-registry-password"
MACHINE_REGISTRY = "127.0.0.1:5000"                                              # start-registry.sh's
STORAGE = Path(os.environ.get("REGISTRY_DATA", "/var/lib/docker-registry"))     # and its storage
CONFIG_PREFIX = network.PREFIX + "registry-"
START_DEADLINE_S = 30.0
REQUIRED_TOOLS = ("docker-registry", "htpasswd")


@dataclass
class Registry:
    address: str
    config: Path
    log: Path
    process: subprocess.Popen | None = None


def config(address: str, storage: Path, htpasswd: Path | None) -> str:
    lines = ["version: 0.1", "log:", "  level: warn", "storage:", "  filesystem:", f"    rootdirectory: {storage}",
             "  delete:", "    enabled: true", "http:", f"  addr: {address}"]
    if htpasswd is not None:
        lines += ["auth:", "  htpasswd:", "    realm: fleet-registry", f"    path: {htpasswd}"]
    return "\n".join(lines) + "\n"


def on_fleet(reference: str, authenticated: bool = False) -> str:
    """An image of the machine's registry as the hosts pull it: 127.0.0.1:5000/x:t -> 10.213.0.1:5000/x:t."""
    registry, slash, rest = reference.partition("/")
    if registry != MACHINE_REGISTRY or not slash:
        raise ValueError(f"{reference!r} is not an image of the machine's registry {MACHINE_REGISTRY}")
    return f"{AUTH_REGISTRY if authenticated else REGISTRY}/{rest}"


def start_all(directory: Path) -> list[Registry]:
    """Both registries, answering; their files under ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    htpasswd = directory / "htpasswd"
    write_htpasswd(htpasswd)
    registries = [_start(directory, REGISTRY, None), _start(directory, AUTH_REGISTRY, htpasswd)]
    deadline = time.monotonic() + START_DEADLINE_S
    for registry in registries:
        _wait_until_answering(registry, deadline)
    return registries


def write_htpasswd(path: Path) -> None:
    done = subprocess.run(["htpasswd", "-iBn", REGISTRY_USER], input=REGISTRY_PASSWORD + "\n", capture_output=True,
                          text=True, timeout=30)
    if done.returncode != 0:
        raise RuntimeError(f"htpasswd failed: {done.stderr.strip()}")
    path.write_text(done.stdout.strip() + "\n")
    path.chmod(0o600)


def _start(directory: Path, address: str, htpasswd: Path | None) -> Registry:
    port = address.rsplit(":", 1)[1]
    registry = Registry(address, directory / f"{CONFIG_PREFIX}{port}.yml", directory / f"registry-{port}.log")
    registry.config.write_text(config(address, STORAGE, htpasswd))
    with open(registry.log, "wb") as log:
        registry.process = subprocess.Popen(["docker-registry", "serve", str(registry.config)],
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
    return registry


def _wait_until_answering(registry: Registry, deadline: float) -> None:
    """/v2/ answers 200, or 401 where authentication is asked for."""
    while time.monotonic() < deadline:
        if registry.process.poll() is not None:
            raise RuntimeError(f"registry {registry.address} exited ({registry.process.returncode}); "
                               f"see {registry.log}:\n{_tail(registry.log)}")
        if _status(f"http://{registry.address}/v2/") in (200, 401):
            return
        time.sleep(0.05)
    raise RuntimeError(f"registry {registry.address} did not answer within {START_DEADLINE_S:.0f} s; "
                       f"see {registry.log}:\n{_tail(registry.log)}")


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def stop_all(registries: list[Registry]) -> None:
    for registry in registries:
        if registry.process is not None and registry.process.poll() is None:
            registry.process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                registry.process.wait(timeout=5)
    remove_stale()


def remove_stale() -> list[int]:
    """Kill any docker-registry serving an ``adfl-registry-*`` config (a crashed run's); returns their PIDs."""
    found = [pid for pid in _pids() if _is_fleet_registry(pid)]
    for pid in found:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_is_fleet_registry(pid) for pid in found):
        time.sleep(0.01)
    return found


def _pids() -> list[int]:
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def _is_fleet_registry(pid: int) -> bool:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return (state != "Z" and len(argv) >= 3 and argv[0].endswith(b"docker-registry") and argv[1] == b"serve"
            and Path(argv[2].decode(errors="replace")).name.startswith(CONFIG_PREFIX))


def unavailable_reason(search_path: str) -> str | None:
    missing = [tool for tool in REQUIRED_TOOLS if not shutil.which(tool, path=search_path)]
    if missing:
        return (f"the fleet's registries need {', '.join(missing)}: run tests/e2e/support/start-registry.sh "
                "and tests/fleet/support/install-ssh.sh")
    return None
