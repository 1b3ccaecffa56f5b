"""What one simulated SSH host sees: its file system tree and the script that boots it.

The tree (``hosts/NAME/fs``) is a tests/support/simhost.py tree (device nodes, version files,
``npu-smi`` replaying captures) plus what an SSH host needs (host key, sshd_config, homes with
authorized_keys, sudoers). The boot script runs in the host's own network namespace, in new
mount, UTS and PID namespaces, and lays the tree over the machine's real paths:

- ``/etc`` and ``/usr``: overlays whose upper layer is the tree's ``etc`` and ``usr``, so the
  host sees the machine's files plus its own, and writes go to its tree. ``/usr/local`` is
  opaque: the machine's /usr/local (docker, cuda, ...) is hidden; only the tree's shows.
  A host without python3 has overlay whiteouts at ``/usr/bin/python3*``.
- ``/root``, ``/home/ops``, ``/tmp``, ``/run``: the tree's own directories, bound over the
  machine's (which hides the controller's pyenv, keys and temporary files).
- ``/dev``: a fresh tmpfs with the usual nodes, devpts, ``/dev/shm`` (tmpfs of the host's
  size) and the tree's davinci and control nodes (real character devices).
- any other top-level directory the spec writes into (``/opt``, ``/var``...): an overlay; one
  the machine lacks (``/data``) is the tree's own, bound on an empty mount point the fleet makes.
- a docker host (``docker=True``): cgroup2, its data root and its dockerd (dockerd.py); its
  ``/etc/docker/daemon.json`` names the fleet's registries.

Then it becomes sshd (``exec``), PID 1 of its PID namespace: when it dies, the host is gone,
and with it everything it started (dockerd, containerd, every container).
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import stat
import subprocess
import uuid
from pathlib import Path

from tests.support import live_npu_smi, simhost

from . import dockerd, roce

OPS_USER = "ops"
BOUND = ("root", f"home/{OPS_USER}", "tmp", "run")        # tree dirs bound over the machine's
ALWAYS_OVERLAID = ("etc", "usr")
HANDLED_APART = ("dev", "bin", "home")                    # /dev is built; bin moves to /usr/local/bin
HOST_KEY = "etc/ssh/ssh_host_ed25519_key"
DEV_NODES = (("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0))
SKELETON = Path("/etc/skel")
STAGE = "/mnt"                    # where the boot script sees the host's directory while it mounts
LIBRARY_DIRS = ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib")


def build(fs: Path, name: str, spec: simhost.HostSpec, *, client_key: str, python3: bool,
          roce_plan: dict[int, str] | None, tls_switch: int, insecure_registries: list[str] | None = None) -> None:
    """The host's whole tree under ``fs``; ``client_key`` is the public key both users accept.

    ``roce_plan`` maps each chip to its device IP (None: no RoCE, no hccn_tool);
    ``insecure_registries``: a docker host's (None: not a docker host).
    """
    simhost.build(fs, spec)
    _move_path_dir_to_usr_local(fs)
    if spec.npu_smi_mode == "live":
        _point_live_npu_smi_at_the_host(fs, spec)
    if insecure_registries is not None:
        _write_daemon_json(fs, insecure_registries)
    _make_usr_local_opaque(fs)
    _replace_empty_preloads(fs, spec.env)
    _write_identity(fs, name)
    _write_sshd(fs, name, spec.env)
    _write_homes(fs, client_key)
    _make_private_dirs(fs)
    if roce_plan is not None:
        _write_roce(fs, roce_plan, tls_switch, getattr(spec, "hccn_delay_s", 0.0))
    if not python3:
        _hide_python3(fs)
    _copy_fixtures_if_hidden(fs)


def _move_path_dir_to_usr_local(fs: Path) -> None:
    """simhost's ``bin`` is the PATH of a --root run; on an SSH host its tools live in /usr/local/bin."""
    local_bin = fs / "usr/local/bin"
    local_bin.mkdir(parents=True, exist_ok=True)
    for tool in (fs / "bin").iterdir():
        tool.rename(local_bin / tool.name)
    (fs / "bin").rmdir()


def _point_live_npu_smi_at_the_host(fs: Path, spec: simhost.HostSpec) -> None:
    """simhost's live npu-smi names the tree's /dev and replayer as the controller sees them; a host
    sees them at /dev/davinciN and /usr/local/bin, as the containers its engine runs map them."""
    capture = str(simhost.fixture(spec.npu_smi["info"]))
    script = live_npu_smi.script(capture, "/dev", "/usr/local/bin/.npu-smi-captures")
    (fs / "usr/local/bin/npu-smi").write_text(script)


def _write_daemon_json(fs: Path, insecure_registries: list[str]) -> None:
    """The engine's settings; the machine's key.json is hidden: dockerd makes the host's own (its engine ID)."""
    target = fs / "etc/docker/daemon.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(dockerd.daemon_json(insecure_registries))
    _whiteout(fs / "etc/docker/key.json")


def _make_usr_local_opaque(fs: Path) -> None:
    os.setxattr(fs / "usr/local", "trusted.overlay.opaque", b"y")


def _replace_empty_preloads(fs: Path, env: dict[str, str]) -> None:
    """An empty placeholder named by LD_PRELOAD (hosts.JEMALLOC) becomes the machine's real library.

    Otherwise the loader would complain on every command of every session. install-ssh.sh
    installs libjemalloc2; a library the machine lacks stays a placeholder.
    """
    for entry in env.get("LD_PRELOAD", "").replace(":", " ").split():
        placeholder = fs / entry.lstrip("/")
        real = _machine_library(Path(entry).name)
        if placeholder.is_file() and placeholder.stat().st_size == 0 and real:
            shutil.copyfile(real, placeholder)


def _machine_library(name: str) -> Path | None:
    for directory in LIBRARY_DIRS:
        if (Path(directory) / name).is_file():
            return Path(directory) / name
    return None


def _write_identity(fs: Path, name: str) -> None:
    etc = fs / "etc"
    (etc / "hostname").write_text(f"{name}\n")
    (etc / "hosts").write_text(f"127.0.0.1\tlocalhost\n127.0.1.1\t{name}\n::1\tlocalhost ip6-localhost\n")
    (etc / "machine-id").write_text(uuid.uuid4().hex + "\n")
    sudoers = etc / "sudoers.d" / f"{OPS_USER}-fleet"
    sudoers.parent.mkdir(exist_ok=True)
    sudoers.write_text(f"{OPS_USER} ALL=(ALL:ALL) NOPASSWD: ALL\n")
    sudoers.chmod(0o440)


def _write_sshd(fs: Path, name: str, env: dict[str, str]) -> None:
    key = fs / HOST_KEY
    key.parent.mkdir(parents=True, exist_ok=True)
    generate_key(key, comment=f"root@{name}")
    (fs / "etc/ssh/sshd_config").write_text(sshd_config(env))


def generate_key(path: Path, comment: str) -> None:
    for old in (path, path.with_name(path.name + ".pub")):
        old.unlink(missing_ok=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
                   check=True, capture_output=True, timeout=30)


def sshd_config(env: dict[str, str]) -> str:
    lines = [
        "# sshd of a simulated fleet host: keys only, root and the sudo user",
        "Port 22",
        f"HostKey /{HOST_KEY}",
        "PermitRootLogin prohibit-password",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "AuthorizedKeysFile .ssh/authorized_keys",
        "UsePAM yes",
        "PrintMotd no",
        "PidFile /run/sshd.pid",
        "MaxStartups 64:30:128",
        "Subsystem sftp /usr/lib/openssh/sftp-server",
    ]
    if env:     # one line: sshd keeps only the first SetEnv directive
        lines.append("SetEnv " + " ".join(f'"{name}={_sshd_safe(value)}"' for name, value in env.items()))
    return "\n".join(lines) + "\n"


def _sshd_safe(value: str) -> str:
    if any(bad in value for bad in ('"', "\n", "\\")):
        raise ValueError(f"environment value {value!r} cannot be written to sshd_config")
    return value


def _write_homes(fs: Path, client_key: str) -> None:
    ops = pwd.getpwnam(OPS_USER)
    for home, uid, gid in ((fs / "root", 0, 0), (fs / "home" / OPS_USER, ops.pw_uid, ops.pw_gid)):
        home.mkdir(parents=True, exist_ok=True)
        shutil.copytree(SKELETON, home, dirs_exist_ok=True)
        (home / ".ssh").mkdir(exist_ok=True)
        (home / ".ssh/authorized_keys").write_text(client_key)
        for path in (home, *home.rglob("*")):
            os.lchown(path, uid, gid)
        home.chmod(0o700 if uid == 0 else 0o755)
        (home / ".ssh").chmod(0o700)
        (home / ".ssh/authorized_keys").chmod(0o600)


def _make_private_dirs(fs: Path) -> None:
    (fs / "tmp").mkdir(exist_ok=True)
    (fs / "tmp").chmod(0o1777)
    (fs / "run/sshd").mkdir(parents=True, exist_ok=True)       # sshd's privilege separation directory
    (fs / "run").chmod(0o755)
    (fs / roce.PLAN_DIR_IN_HOST.lstrip("/")).mkdir(exist_ok=True)   # the mount point of the shared plan


def _write_roce(fs: Path, plan: dict[int, str], tls_switch: int, delay_s: float) -> None:
    (fs / "etc/hccn.conf").write_text(roce.hccn_conf(plan))
    tool = fs / "usr/local/Ascend/driver/tools/hccn_tool"
    replayer = tool.with_name(roce.REPLAYER_NAME)
    tool.rename(replayer)
    tool.write_text(roce.hccn_tool_script(plan, tls_switch, Path("/") / replayer.relative_to(fs), delay_s))
    tool.chmod(0o755)


def _hide_python3(fs: Path) -> None:
    """Overlay whiteouts (0/0 character devices): python3 is simply not there, as on a bare host."""
    usr_bin = fs / "usr/bin"
    usr_bin.mkdir(parents=True, exist_ok=True)
    for python in Path("/usr/bin").glob("python3*"):
        _whiteout(usr_bin / python.name)


def _whiteout(path: Path) -> None:
    """An overlay whiteout (a 0/0 character device): the machine's file of that name is not there for the host."""
    os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(0, 0))


def _copy_fixtures_if_hidden(fs: Path) -> None:
    """The replayers print fixtures by absolute path: copy them in where the host's mounts hide them."""
    fixtures = simhost.FIXTURES
    hiding = [Path("/", top) for top in BOUND] + [Path("/usr/local"), Path("/dev")]
    if any(fixtures.is_relative_to(hidden) for hidden in hiding):
        shutil.copytree(fixtures, fs / fixtures.relative_to("/"), dirs_exist_ok=True)


def _extra_dirs(fs: Path) -> list[str]:
    """Top-level directories the spec wrote to beyond those handled by name."""
    return sorted(entry.name for entry in fs.iterdir()
                  if entry.is_dir() and entry.name not in (*ALWAYS_OVERLAID, *HANDLED_APART, *BOUND))


def overlaid_dirs(fs: Path) -> list[str]:
    """Top-level directories laid over the machine's with an overlay: /etc, /usr and any the spec wrote to."""
    extra = [name for name in _extra_dirs(fs) if Path("/", name).exists() or Path("/", name).is_symlink()]
    for name in extra:
        if not Path("/", name).is_dir() or Path("/", name).is_symlink():
            raise ValueError(f"the host's tree writes into /{name}, which is not a directory here: nothing to overlay")
    return [*ALWAYS_OVERLAID, *extra]


def new_top_dirs(fs: Path) -> list[str]:
    """Top-level directories the spec wrote to that this machine lacks (/data): bound, on a mount point made here."""
    return [name for name in _extra_dirs(fs) if not Path("/", name).exists() and not Path("/", name).is_symlink()]


def boot_script(name: str, host_dir: Path, shared: Path, shm_size: str, docker: bool = False) -> str:
    """The shell script that turns a fresh set of namespaces into the host, then becomes its sshd.

    The host's directory is first bound at /mnt (STAGE), so that covering /tmp, /root or /run
    cannot hide the sources of later mounts wherever the fleet's directory is; /mnt is
    released at the end.
    """
    q = shlex.quote
    fs, work = host_dir / "fs", host_dir / "work"
    lines = [
        "#!/bin/sh",
        f"# Boots simulated host {name}: run by `ip netns exec` under `unshare --mount --uts --pid`.",
        "set -eu",
        f"hostname {q(name)}",
        f"mount --bind {q(str(host_dir))} {STAGE}",
        f"mount --bind -o ro {q(str(shared))} {STAGE}/fs{roce.PLAN_DIR_IN_HOST}",
    ]
    for top in overlaid_dirs(fs):
        (work / top).mkdir(parents=True, exist_ok=True)
        lines.append(f"mount -t overlay overlay -o lowerdir=/{top},upperdir={STAGE}/fs/{top},workdir={STAGE}/work/{top}"
                     f" /{top}")
    lines += [f"mount --bind {STAGE}/fs/{top} /{top}" for top in new_top_dirs(fs)]
    lines += [f"mount --rbind {STAGE}/fs/{top} /{top}" for top in BOUND]     # rbind: /run carries the plan
    lines += _dev_lines(shm_size)
    if docker:
        lines += dockerd.boot_lines(STAGE)
    lines += [f"umount -l {STAGE}", "exec /usr/sbin/sshd -D -e -f /etc/ssh/sshd_config"]
    return "\n".join(lines) + "\n"


def _dev_lines(shm_size: str) -> list[str]:
    q = shlex.quote
    lines = ["mount -t tmpfs -o mode=0755,size=1m,nosuid dev /dev",
             f"cp -a {STAGE}/fs/dev/. /dev/"]                             # the spec's davinci and control nodes
    lines += [f"mknod -m 666 /dev/{node} c {major} {minor}" for node, major, minor in DEV_NODES]
    lines += [
        "mkdir -p /dev/pts /dev/shm",
        "mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts /dev/pts",
        "ln -s pts/ptmx /dev/ptmx",
        f"mount -t tmpfs -o size={q(shm_size)},mode=1777,nosuid,nodev shm /dev/shm",
        "ln -s /proc/self/fd /dev/fd",
        "ln -s /proc/self/fd/0 /dev/stdin",
        "ln -s /proc/self/fd/1 /dev/stdout",
        "ln -s /proc/self/fd/2 /dev/stderr",
    ]
    return lines
