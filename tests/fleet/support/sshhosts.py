"""A fleet of simulated Ascend hosts reachable over real SSH.

Each host is a network namespace with its own address, hostname, /dev (real davinci nodes),
/usr/local/Ascend, /etc and sshd, built from a tests/support/simhost.py spec; see
tests/fleet/support/README.md for how. Use it as a context manager (or the ``fleet`` fixture
of tests/fleet/conftest.py)::

    with Fleet([SshHost("a2-01"), SshHost("nopy", python3=False)], directory=tmp) as fleet:
        fleet.ssh("a2-01", "npu-smi info").stdout
        fleet.inventory            # an Ansible inventory for the whole fleet

A host with ``docker=True`` also runs its own Docker engine (dockerd.py), and the fleet then
serves the machine's registry content at ``REGISTRY`` and, with a password, ``AUTH_REGISTRY``
(registry.py)::

    fleet.docker("dp-1", "pull", f"{REGISTRY}/ascend/vllm-ascend:v0.11.0rc0-standin")
    fleet.copy_in("dp-1", model_dir, "/data/models/tiny")
    fleet.write_inventory(path, ["dp-1", "dp-2"], {"dp-1": {"vllm_services": [...]}})

Needs root, ``ip``, ``unshare``, ``nsenter``, ``sshd``/``ssh`` and ``sudo``
(tests/fleet/support/install-ssh.sh installs them). Only one fleet runs on a machine at a
time (a lock under /run); starting one removes whatever a crashed earlier run left behind.

    python -m tests.fleet.support.sshhosts --hosts 32     # start, time, check and stop a fleet
    python -m tests.fleet.support.sshhosts --clean        # remove a stale fleet
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import fcntl
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import hosts as host_stories
from tests.support.simhost import HostSpec

from . import controller, dockerd, hostroot, network, registry, roce
from .registry import AUTH_REGISTRY as AUTH_REGISTRY          # the fleet's registries, for the tests
from .registry import REGISTRY as REGISTRY
from .registry import REGISTRY_PASSWORD as REGISTRY_PASSWORD
from .registry import REGISTRY_USER as REGISTRY_USER

LOCK_FILE = Path("/run/ascend-doctor-fleet.lock")
MOUNT_POINTS_FILE = Path("/run/ascend-doctor-fleet.mount-points")   # top-level directories made for hosts
REQUIRED_TOOLS = ("ip", "unshare", "nsenter", "ssh", "ssh-keygen", "sudo", "mount", "useradd")
SSHD = Path("/usr/sbin/sshd")
HOST_PYTHON = Path("/usr/bin/python3")
HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
INSIDE_ENV = {"PATH": HOST_PATH, "LANG": "C.UTF-8", "HOME": "/root"}
START_DEADLINE_S = 60.0


class FleetUnavailable(RuntimeError):
    """This machine cannot run a fleet (not root, a tool missing); the message says what."""


class FleetError(RuntimeError):
    """A fleet failed to start or to do what it was asked."""


@dataclass
class SshHost:
    """One simulated host of the fleet and how it should differ from a healthy one."""

    name: str
    spec: HostSpec = field(default_factory=host_stories.atlas_800i_a2_healthy)
    user: str = "root"                    # who the inventory logs in as: "root", or "ops" with become
    python3: bool = True                  # False: /usr/bin/python3* are not there
    down: bool = False                    # namespace and address exist, sshd never starts
    bastion: bool = False                 # the host the hidden ones are reached through
    behind_bastion: bool = False          # only reachable through the bastion (ProxyJump)
    host_key_changed: bool = False        # its key is regenerated after known_hosts is written
    shm_size: str = "16g"                 # size of its /dev/shm tmpfs
    tls_switch: int = 0                   # what `hccn_tool -i N -tls -g` reports
    roce_down_chips: tuple[int, ...] = () # chips whose device IP answers no ping
    device_ip_overrides: dict[int, str] = field(default_factory=dict)   # chip -> a device IP not from the plan
    vllm_services: list[dict] | None = None   # the inventory's vllm_services (None: one default service)
    inventory_vars: dict = field(default_factory=dict)   # more host variables for the inventory
    docker: bool = False                  # its own Docker engine, started at boot (dockerd.py)

    def __post_init__(self) -> None:
        if not self.name.replace("-", "").isalnum() or not self.name[0].isalpha() or len(self.name) > 40:
            raise ValueError(f"host name {self.name!r}: letters, digits and '-', starting with a letter")
        if self.bastion and self.behind_bastion:
            raise ValueError(f"{self.name}: a bastion cannot be behind itself")
        if self.docker and (self.down or self.behind_bastion or self.spec.docker):
            raise ValueError(f"{self.name}: a docker host boots, is on the front network (the registries are "
                             "at the controller's address) and runs the real docker (its spec's docker is None)")


@dataclass
class RunningHost:
    """A host of a started fleet."""

    host: SshHost
    number: int                            # its position in the fleet; numbers its device IPs
    legs: list[network.Leg]
    directory: Path                        # hosts/NAME: fs/ (its tree), work/, boot.sh, sshd.log
    device_ips: dict[int, str]             # chip -> RoCE device IP (empty: no RoCE on this host)
    host_key: str = ""                     # the key known_hosts holds for it
    process: subprocess.Popen | None = None

    @property
    def name(self) -> str:
        return self.host.name

    @property
    def address(self) -> str:
        """The address it is reached at: the front one, or for a hidden host its only one."""
        return str(self.legs[0].address)

    @property
    def namespace(self) -> str:
        return network.namespace_of(self.name)

    @property
    def fs(self) -> Path:
        return self.directory / "fs"

    @property
    def log(self) -> Path:
        return self.directory / "sshd.log"

    @property
    def docker_log(self) -> Path:
        return self.directory / dockerd.LOG

    @property
    def data_root(self) -> Path:
        """Its engine's --data-root on the controller (/var/lib/docker on the host)."""
        return self.directory / dockerd.DATA_DIR

    def path(self, host_path: str) -> Path:
        """Where a path of the host's own tree (an overlay's upper layer or a bound dir) is on the controller."""
        return self.fs / host_path.lstrip("/")

    @property
    def sshd_pid(self) -> int:
        """sshd's PID as the controller sees it: the child of `unshare --fork`."""
        if self.process is None:
            raise FleetError(f"{self.name} is down: no sshd")
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        if not children:
            raise FleetError(f"{self.name}: sshd is not running; see {self.log}")
        return int(children[0])


class Fleet:
    def __init__(self, hosts: list[SshHost], directory: Path | None = None, lock_wait_s: float = 0.0) -> None:
        """``lock_wait_s``: how long to wait for another fleet on this machine to stop before giving up."""
        names = [h.name for h in hosts]
        if len(set(names)) != len(names):
            raise ValueError(f"host names repeat: {names}")
        if sum(h.bastion for h in hosts) > 1:
            raise ValueError("at most one bastion")
        if any(h.behind_bastion for h in hosts) and not any(h.bastion for h in hosts):
            raise ValueError("hosts behind a bastion need a host with bastion=True")
        self.specs = list(hosts)
        self._own_directory = directory is None         # made here, so removed by stop()
        self.directory = Path(directory or tempfile.mkdtemp(prefix="adfl-"))
        self.hosts: dict[str, RunningHost] = {}
        self.timings: dict[str, float] = {}
        self.key = self.directory / "controller" / "id_ed25519"
        self.known_hosts = self.directory / "controller" / "known_hosts"
        self.ssh_config = self.directory / "controller" / "ssh_config"
        self.inventory = self.directory / "controller" / "inventory.yml"
        self._shared = self.directory / "shared"
        self.roce_down: set[str] = set()       # device IPs that answer no ping
        self._lock: int | None = None
        self._lock_wait_s = lock_wait_s
        self.registries: list[registry.Registry] = []
        self._entries: dict[str, controller.Entry] = {}

    # ---- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> Fleet:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> Fleet:
        reason = unavailable_reason() or (docker_unavailable_reason() if self._docker_specs() else None)
        if reason:
            raise FleetUnavailable(reason)
        began = time.monotonic()
        self._take_lock()
        try:
            self._timed("clean_stale", remove_everything)
            self._timed("prepare", self._prepare)
            self._timed("network", self._create_network)
            if self._docker_specs():
                self._timed("registries", self._start_registries)
            self._timed("boot", self._boot_all)
            if self._docker_specs():
                self._timed("engines", self._wait_for_engines)
            self._timed("controller_files", self._write_controller_files)
            self._timed("change_keys", self._change_announced_keys)
        except BaseException:
            self.stop()
            raise
        self.timings["start"] = time.monotonic() - began
        return self

    def stop(self) -> None:
        """Kill every sshd, session, engine and container; delete the namespaces, links, cgroups,
        registries and data roots. Safe to call twice."""
        if self._lock is None:
            return                      # never started, or already stopped: nothing of ours runs
        began = time.monotonic()
        try:
            registry.stop_all(self.registries)
            remove_everything()
            for host in self.hosts.values():
                if host.process is not None:
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        host.process.wait(timeout=5)
        finally:
            self._release_lock()
        if self._own_directory:
            shutil.rmtree(self.directory, ignore_errors=True)
        self.timings["stop"] = time.monotonic() - began

    def _timed(self, step: str, action) -> None:
        began = time.monotonic()
        action()
        self.timings[step] = time.monotonic() - began

    def _take_lock(self) -> None:
        self._lock = take_machine_lock(self._lock_wait_s)

    def _release_lock(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    # ---- start-up steps --------------------------------------------------------------------

    def _docker_specs(self) -> list[SshHost]:
        return [spec for spec in self.specs if spec.docker]

    def _prepare(self) -> None:
        ensure_user(hostroot.OPS_USER)
        client_key = controller.make_client_key(self.key)
        self.hosts = {spec.name: self._plan(number, spec) for number, spec in enumerate(self.specs)}
        self.roce_down = {host.device_ips[chip] for host in self.hosts.values()
                          for chip in host.host.roce_down_chips if chip in host.device_ips}
        self._shared.mkdir(parents=True, exist_ok=True)
        self._write_reachable()
        dockerd.record_data_roots([host.data_root for host in self.docker_hosts])
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda host: self._build(host, client_key), self.hosts.values()))
        self._make_mount_points()

    def _plan(self, number: int, spec: SshHost) -> RunningHost:
        front = [s for s in self.specs if not s.behind_bastion]
        hidden = [s for s in self.specs if s.behind_bastion]
        if spec.behind_bastion:
            legs = [network.Leg("eth0", "br1", network.back_address(hidden.index(spec)))]
        else:
            legs = [network.Leg("eth0", "br0", network.front_address(front.index(spec)))]
            if spec.bastion:
                legs.append(network.Leg("eth1", "br1", network.BASTION_BACK_ADDRESS))
        device_ips = {chip: roce.device_ip(number, chip) for chip in spec.spec.devices} if spec.spec.hccn else {}
        device_ips.update({chip: ip for chip, ip in spec.device_ip_overrides.items() if chip in device_ips})
        return RunningHost(spec, number, legs, self.directory / "hosts" / spec.name, device_ips)

    def _build(self, host: RunningHost, client_key: str) -> None:
        if host.directory.exists():
            shutil.rmtree(host.directory)
        host.fs.mkdir(parents=True)
        registries = [REGISTRY, AUTH_REGISTRY] if host.host.docker else None
        hostroot.build(host.fs, host.name, host.host.spec, client_key=client_key, python3=host.host.python3,
                       roce_plan=host.device_ips or None, tls_switch=host.host.tls_switch,
                       insecure_registries=registries)
        host.host_key = host.path(hostroot.HOST_KEY + ".pub").read_text().strip()
        if host.host.docker:
            host.data_root.mkdir()
        script = hostroot.boot_script(host.name, host.directory, self._shared, host.host.shm_size,
                                      docker=host.host.docker)
        (host.directory / "boot.sh").write_text(script)

    def _make_mount_points(self) -> None:
        """An empty directory on the machine for each top-level directory a host has and the machine lacks;
        recorded, so that stop (or the next start, after a crash) removes it."""
        made = []
        for name in sorted({top for host in self.hosts.values() for top in hostroot.new_top_dirs(host.fs)}):
            mount_point = Path("/", name)
            if not mount_point.exists():
                mount_point.mkdir(mode=0o755)
                made.append(mount_point)
        MOUNT_POINTS_FILE.write_text("".join(f"{path}\n" for path in made))

    def _start_registries(self) -> None:
        self.registries = registry.start_all(self.directory / "registries")

    def _create_network(self) -> None:
        network.create_switch()
        network.create_hosts({host.name: host.legs for host in self.hosts.values()})

    def _boot_all(self) -> None:
        booting = [host for host in self.hosts.values() if not host.host.down]
        for host in booting:
            host.process = _boot(host)
        deadline = time.monotonic() + START_DEADLINE_S
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(lambda host: _wait_until_listening(host, deadline), booting))

    def _wait_for_engines(self) -> None:
        deadline = time.monotonic() + dockerd.START_DEADLINE_S
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda host: _wait_for_engine(host, deadline), self.docker_hosts))

    def _write_controller_files(self) -> None:
        bastion = self._entry(self.bastion, None) if self.bastion else None
        entries = [self._entry(host, bastion if host.host.behind_bastion else None) for host in self.hosts.values()]
        self._entries = {entry.name: entry for entry in entries}
        controller.write_all(self.key.parent, entries, self.key)

    def _entry(self, host: RunningHost, jump: controller.Entry | None) -> controller.Entry:
        entry = controller.Entry(host.name, host.address, host.host_key, user=host.host.user, jump=jump,
                                 group="bastions" if host.host.bastion else "vllm_hosts",
                                 extra_vars=dict(host.host.inventory_vars))
        if host.host.vllm_services is not None:
            entry = dataclasses.replace(entry, vllm_services=host.host.vllm_services)
        return entry

    def _change_announced_keys(self) -> None:
        for host in self.hosts.values():
            if host.host.host_key_changed:
                self.change_host_key(host.name)

    # ---- using the fleet -------------------------------------------------------------------

    def __getitem__(self, name: str) -> RunningHost:
        return self.hosts[name]

    def __iter__(self) -> Iterator[RunningHost]:
        return iter(self.hosts.values())

    @property
    def bastion(self) -> RunningHost | None:
        return next((host for host in self.hosts.values() if host.host.bastion), None)

    @property
    def controller_address(self) -> str:
        return str(network.CONTROLLER_ADDRESS)

    @property
    def docker_hosts(self) -> list[RunningHost]:
        return [host for host in self.hosts.values() if host.host.docker]

    def view(self, names: list[str], label: str) -> FleetView:
        """Some of the fleet's hosts, seen as a fleet of their own (see FleetView)."""
        unknown = sorted(set(names) - set(self.hosts or {spec.name: spec for spec in self.specs}))
        if unknown:
            raise ValueError(f"no such hosts in the fleet: {unknown}")
        return FleetView(self, names, label)

    def default_inventory(self, path: Path, names: list[str]) -> Path:
        """The fleet's own inventory (groups, default services, bastion) restricted to these hosts."""
        entries = [self._entries[name] for name in names]
        return controller.write_yaml(path, controller.inventory(entries, self.key, self.ssh_config))

    def write_inventory(self, path: Path, names: list[str], host_vars: dict[str, dict] | None = None,
                        group_vars: dict | None = None) -> Path:
        """An Ansible YAML inventory of these hosts in group vllm_hosts: how to reach them (address, user,
        become, key, our ssh config and known_hosts, /usr/bin/python3), ``host_vars[name]``, and
        ``group_vars`` as the group's vars."""
        unknown = sorted(set(host_vars or {}) - set(names))
        if unknown:
            raise ValueError(f"host_vars for hosts not in the inventory: {unknown}")
        entries = [self._entries[name] for name in names]
        return controller.write_yaml(path, controller.deploy_inventory(entries, self.key, self.ssh_config,
                                                                       host_vars or {}, group_vars or {}))

    def ssh_argv(self, name: str, command: str | None = None, user: str = "root",
                 options: tuple[str, ...] = ()) -> list[str]:
        """`ssh` with the fleet's config: its key, known_hosts, strict checking, ProxyJump for hidden hosts."""
        argv = ["ssh", "-F", str(self.ssh_config), *options, "-l", user, name]
        return argv + ([command] if command is not None else [])

    def ssh(self, name: str, command: str, user: str = "root", stdin: str | bytes | None = None,
            timeout: float = 30) -> subprocess.CompletedProcess:
        """Run a command on a host with the real `ssh` client; text in, text out (bytes if stdin is)."""
        return subprocess.run(self.ssh_argv(name, command, user), input=stdin, capture_output=True,
                              text=not isinstance(stdin, bytes), timeout=timeout)

    def inside(self, name: str, argv: list[str], stdin: str | bytes | None = None,
               timeout: float = 30) -> subprocess.CompletedProcess:
        """Run a command as the host's root without SSH (nsenter into its namespaces); text, or bytes if stdin is."""
        return subprocess.run(self._enter(name) + argv, input=stdin, capture_output=True,
                              text=not isinstance(stdin, bytes), timeout=timeout, env=INSIDE_ENV)

    def _enter(self, name: str) -> list[str]:
        cgroup = ["-C"] if self[name].host.docker else []         # docker hosts have their own cgroup namespace
        return ["nsenter", "-t", str(self[name].sshd_pid), "-m", "-u", "-n", "-p", *cgroup, "--"]

    def run(self, name: str, command: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """A shell command as the host's root (no SSH); text out."""
        return self.inside(name, ["sh", "-c", command], timeout=timeout)

    def docker(self, name: str, *args: str, timeout: float = 120, stdin: str | bytes | None = None
               ) -> subprocess.CompletedProcess:
        """`docker ARGS` on the host, as its root: the host's own engine; paths are the host's."""
        if not self[name].host.docker:
            raise FleetError(f"{name} is not a docker host (SshHost(docker=True))")
        return self.inside(name, ["docker", *args], stdin=stdin, timeout=timeout)

    def copy_in(self, name: str, source: Path, host_path: str, timeout: float = 120) -> None:
        """Put a directory of the controller at ``host_path`` on the host (made, replaced files), readable by all."""
        if not host_path.startswith("/"):
            raise ValueError(f"{host_path!r}: a host path is absolute")
        target = shlex.quote(host_path)
        unpack = f"mkdir -p {target} && tar -C {target} --no-same-owner -xf - && chmod -R a+rX {target}"
        with subprocess.Popen(["tar", "-C", str(source), "-cf", "-", "."], stdout=subprocess.PIPE) as pack:
            done = subprocess.run(self._enter(name) + ["sh", "-c", unpack], stdin=pack.stdout, capture_output=True,
                                  text=True, timeout=timeout, env=INSIDE_ENV)
            pack.stdout.close()
            packed = pack.wait(timeout=timeout)
        if packed != 0 or done.returncode != 0:
            raise FleetError(f"{name}: copying {source} to {host_path} failed (tar {packed}, unpack "
                             f"{done.returncode}): {done.stderr.strip()}")

    def change_host_key(self, name: str) -> str:
        """Give a host a new host key (known_hosts keeps the old one); returns the new public key."""
        key = f"/{hostroot.HOST_KEY}"
        regenerate = f"rm -f {key} {key}.pub && ssh-keygen -q -t ed25519 -N '' -C root@{name} -f {key} && cat {key}.pub"
        done = self.inside(name, ["sh", "-c", regenerate])
        if done.returncode != 0:
            raise FleetError(f"{name}: could not regenerate its host key: {done.stderr}")
        return done.stdout.strip()    # sshd loads its keys for each connection: no restart needed

    def set_roce_reachable(self, device_ip: str, reachable: bool) -> None:
        """Mark a device IP as answering pings or not, fleet-wide, from now on."""
        if device_ip not in self._planned_device_ips():
            raise ValueError(f"{device_ip} is in no host's RoCE plan")
        if reachable:
            self.roce_down.discard(device_ip)
        else:
            self.roce_down.add(device_ip)
        self._write_reachable()

    def _planned_device_ips(self) -> list[str]:
        return [ip for host in self.hosts.values() for ip in host.device_ips.values()]

    def _write_reachable(self) -> None:
        """The plan's file of reachable device IPs, replaced at once (hosts may be reading it)."""
        staged = self._shared / (roce.PLAN_FILE + ".new")
        staged.write_text(roce.reachable_file([ip for ip in self._planned_device_ips() if ip not in self.roce_down]))
        staged.chmod(0o644)
        staged.rename(self._shared / roce.PLAN_FILE)

    @contextlib.contextmanager
    def paramiko(self, name: str, user: str = "root", timeout: float = 10) -> Iterator:
        """A connected paramiko SSHClient (known_hosts checked, unknown keys rejected), via the bastion if hidden."""
        import paramiko

        with contextlib.ExitStack() as stack:
            host, sock = self[name], None
            if host.host.behind_bastion:
                jump = stack.enter_context(self.paramiko(self.bastion.name, "root", timeout))
                sock = jump.get_transport().open_channel("direct-tcpip", (host.address, 22), ("127.0.0.1", 0),
                                                         timeout=timeout)
            client = stack.enter_context(paramiko.SSHClient())
            client.load_host_keys(str(self.known_hosts))
            client.set_missing_host_key_policy(paramiko.RejectPolicy())
            client.connect(host.address, username=user, key_filename=str(self.key), look_for_keys=False,
                           allow_agent=False, sock=sock, timeout=timeout, banner_timeout=timeout,
                           auth_timeout=timeout)
            yield client

    def fabric(self, name: str, user: str = "root", timeout: int = 10):
        """A fabric Connection that verifies the host key (Fabric's own default accepts any key)."""
        import fabric
        import paramiko

        host = self[name]
        gateway = self.fabric(self.bastion.name, "root", timeout) if host.host.behind_bastion else None
        connection = fabric.Connection(
            host.address, user=user, port=22, gateway=gateway, connect_timeout=timeout,
            config=fabric.Config(overrides={"load_ssh_configs": False}),
            connect_kwargs={"key_filename": str(self.key), "look_for_keys": False, "allow_agent": False})
        connection.client.load_host_keys(str(self.known_hosts))
        connection.client.set_missing_host_key_policy(paramiko.RejectPolicy())
        return connection


class FleetView:
    """Some hosts of a running fleet, seen as a fleet of their own.

    Iterating, ``hosts`` and ``inventory`` (the fleet's own inventory, of these hosts only) cover
    its hosts; everything else (``fleet[name]``, ssh, docker, write_inventory, stop, start...) is
    the whole fleet's. One session fleet serves the tests of tests/fleet (fleets.mixed()) and the
    deploy tests (fleets.deploy_hosts()) without either seeing the other's hosts in its inventory.
    """

    def __init__(self, fleet: Fleet, names: list[str], label: str) -> None:
        self.fleet, self.names, self.label = fleet, list(names), label

    def __getattr__(self, attribute: str):
        return getattr(self.fleet, attribute)

    def __getitem__(self, name: str) -> RunningHost:
        return self.fleet[name]

    def __iter__(self) -> Iterator[RunningHost]:
        return (self.fleet[name] for name in self.names)

    @property
    def hosts(self) -> dict[str, RunningHost]:
        return {name: self.fleet[name] for name in self.names}

    @property
    def inventory(self) -> Path:
        return self.fleet.default_inventory(self.fleet.key.parent / f"inventory-{self.label}.yml", self.names)


def _boot(host: RunningHost) -> subprocess.Popen:
    namespaces = ["--mount", "--uts", "--pid"] + (["--cgroup"] if host.host.docker else [])
    argv = ["ip", "netns", "exec", host.namespace,
            "unshare", *namespaces, "--fork", "--kill-child", "--mount-proc", "--propagation", "private",
            "sh", str(host.directory / "boot.sh")]
    if host.host.docker:
        argv = dockerd.enter_cgroup(host.name, argv)       # the cgroup namespace is rooted at adfl-NAME
    with open(host.log, "wb") as log:
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _wait_until_listening(host: RunningHost, deadline: float) -> None:
    """Wait until the host's sshd listens on port 22, seen from its own namespace (hidden hosts too)."""
    while time.monotonic() < deadline:
        if host.process.poll() is not None:
            raise FleetError(f"{host.name} did not boot (exit {host.process.returncode}):\n{_tail(host.log)}")
        if _listens_on_22(host.process.pid):
            return
        time.sleep(0.02)
    raise FleetError(f"{host.name}: sshd not listening after {START_DEADLINE_S:.0f} s:\n{_tail(host.log)}")


def _wait_for_engine(host: RunningHost, deadline: float) -> None:
    def alive() -> bool:                    # the boot script started dockerd, then became sshd: its parent
        try:
            return host.process.poll() is None and "dockerd" in _children(host.sshd_pid)
        except (OSError, FleetError):
            return False

    try:
        dockerd.wait_until_answering(host.name, host.path(dockerd.SOCKET_IN_HOST), host.docker_log, alive, deadline)
    except RuntimeError as error:
        raise FleetError(str(error)) from None


def _children(pid: int) -> list[str]:
    """The command names of a process's children."""
    names = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        with contextlib.suppress(OSError):
            names.append(Path(f"/proc/{child}/comm").read_text().strip())
    return names


def _listens_on_22(pid: int) -> bool:
    """/proc/PID/net/tcp lists the sockets of PID's network namespace; 0016 is port 22, 0A LISTEN."""
    try:
        table = Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return any(fields[1].endswith(":0016") and fields[3] == "0A" for fields in (line.split() for line in table))


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def take_machine_lock(wait_s: float = 0.0) -> int:
    """One fleet per machine: its names are fixed. The lock dies with its holder, even on a crash."""
    descriptor = os.open(LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    deadline, told = time.monotonic() + wait_s, False
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return descriptor
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(descriptor)
                raise FleetError(f"another fleet is running on this machine (a live process holds {LOCK_FILE})"
                                 ) from None
            if not told:
                print(f"fleet: waiting up to {wait_s:.0f} s for another run's fleet to stop", file=sys.stderr)
                told = True
            time.sleep(0.2)


def clean_stale() -> list[str]:
    """Remove what a crashed fleet left (unless a live one holds the lock); returns its namespaces."""
    descriptor = take_machine_lock()
    try:
        return remove_everything()
    finally:
        os.close(descriptor)


def remove_everything() -> list[str]:
    """Whatever a fleet, running or crashed, has on the machine: processes (sshd, engines, containers) and
    namespaces, links, the route, cgroups, registries, the engines' data roots. Returns the namespaces."""
    namespaces = network.remove_everything()
    registry.remove_stale()
    try:
        dockerd.remove_cgroups()                # waits for the containers outside the host's netns to die
        dockerd.remove_recorded_data_roots()
    except RuntimeError as error:
        raise FleetError(str(error)) from None
    _remove_recorded_mount_points()
    return namespaces


def _remove_recorded_mount_points() -> None:
    if MOUNT_POINTS_FILE.exists():
        for line in MOUNT_POINTS_FILE.read_text().splitlines():
            with contextlib.suppress(OSError):
                Path(line).rmdir()              # only while empty: nothing of anyone else's goes
        MOUNT_POINTS_FILE.unlink()


def ensure_user(user: str) -> None:
    """The non-root user, created once on the machine; each host gives it its own home."""
    if subprocess.run(["id", "-u", user], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", user], check=True,
                       capture_output=True, timeout=30)


def docker_unavailable_reason() -> str | None:
    """Why this machine cannot run docker hosts (SshHost(docker=True)), or None."""
    return dockerd.unavailable_reason(HOST_PATH) or registry.unavailable_reason(HOST_PATH)


def unavailable_reason() -> str | None:
    """Why this machine cannot run a fleet, or None."""
    if os.geteuid() != 0:
        return "the simulated SSH fleet needs root (network namespaces, mounts, mknod)"
    missing = [tool for tool in REQUIRED_TOOLS if not shutil.which(tool, path=HOST_PATH)]
    missing += [str(path) for path in (SSHD, HOST_PYTHON) if not path.exists()]
    if missing:
        return f"missing {', '.join(missing)}: run tests/fleet/support/install-ssh.sh"
    return None


def standard_hosts(count: int, docker: int = 0) -> list[SshHost]:
    """`count` healthy A2 hosts named node01, node02, ...; the last `docker` of them with their own engine."""
    engine_spec = dataclasses.replace(host_stories.atlas_800i_a2_64g(), docker=None, npu_smi_mode="live")
    return [SshHost(f"node{n:02d}", spec=engine_spec, docker=True) if n > count - docker else SshHost(f"node{n:02d}")
            for n in range(1, count + 1)]


def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=32, help="how many healthy hosts to start and time")
    parser.add_argument("--docker", type=int, default=0, help="how many of them run their own Docker engine")
    parser.add_argument("--clean", action="store_true", help="only remove a stale fleet")
    args = parser.parse_args(argv)
    if args.clean:
        print("removed:", " ".join(clean_stale()) or "nothing")
        return 0
    fleet = Fleet(standard_hosts(args.hosts, args.docker))
    with fleet, ThreadPoolExecutor(max_workers=8) as pool:
        began = time.monotonic()
        answers = list(pool.map(lambda host: fleet.ssh(host.name, "hostname").stdout.strip(), fleet))
        round_trip = time.monotonic() - began
    steps = ", ".join(f"{step} {seconds:.2f} s" for step, seconds in fleet.timings.items())
    print(f"{args.hosts} hosts ({args.docker} with docker): {steps}; `ssh HOST hostname` to every host, "
          f"8 at a time: {round_trip:.2f} s")
    return 0 if answers == [host.name for host in fleet] else 1


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
