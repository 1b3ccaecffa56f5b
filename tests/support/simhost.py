"""A simulated Ascend host: a directory tree used through `--root`.

Device nodes are real character devices (mknod), version files and command
outputs are real captures copied from tests/fixtures, and `npu-smi` /
`hccn_tool` are shell scripts that replay those captures, optionally slowly
or never finishing.
"""

from __future__ import annotations

import os
import shlex
import stat
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import live_npu_smi

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DAVINCI_MAJOR = 236       # any major works for the doctor; 236 is what Ascend drivers commonly get
CONTROL_MAJOR = 237
CONTROL_NODES = ("davinci_manager", "devmm_svm", "hisi_hdc")
USAGE = "Usage: npu-smi info <watch|proc|-h|-m|-l|-t type> [Options...]"


def fixture(relative: str) -> Path:
    """A file under tests/fixtures, or an absolute path a test wrote itself."""
    path = FIXTURES / relative
    if not path.is_file():
        raise FileNotFoundError(f"fixture {relative} is missing from {FIXTURES}")
    return path


@dataclass
class HostSpec:
    devices: tuple[int, ...] = tuple(range(8))
    control_nodes: tuple[str, ...] = CONTROL_NODES
    regular_file_nodes: tuple[str, ...] = ()         # names made as plain files instead of char devices
    npu_smi: dict[str, str] = field(default_factory=dict)   # "info -l" -> fixture path ("" key = "info")
    npu_smi_mode: str = "script"                     # "script" | "live" | "directory" | "absent"
    # "live": the "info" capture plus a process row and HBM use for each running container that maps a
    # chip of this host (tests/support/live_npu_smi.py); for captures of one chip per NPU
    npu_smi_delay_s: float = 0.0                     # sleep before answering; use a huge value to hang
    hccn: dict[str, str] = field(default_factory=dict)      # "-i 0 -link -g" -> fixture path
    hccn_delay_s: float = 0.0                        # sleep before each hccn_tool answer
    files: dict[str, str] = field(default_factory=dict)     # "/usr/local/Ascend/driver/version.info" -> fixture
    extra_files: dict[str, str] = field(default_factory=dict)  # host path -> literal content
    env: dict[str, str] = field(default_factory=dict)
    directories: tuple[str, ...] = ()                 # host paths made as empty directories (a -v of a missing path)
    docker: str | None = None                        # None: no docker binary; "up" / "down": replay a capture


def build(root: Path, spec: HostSpec) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    _make_dev(root / "dev", spec)
    _make_npu_smi(root, spec)
    if spec.hccn:
        _write_replayer(root / "usr/local/Ascend/driver/tools/hccn_tool", spec.hccn, spec.hccn_delay_s)
    for host_path, rel in spec.files.items():
        _place(root, host_path, fixture(rel).read_bytes())
    for host_path, content in spec.extra_files.items():
        _place(root, host_path, content.encode())
    for host_path in spec.directories:
        (root / host_path.lstrip("/")).mkdir(parents=True, exist_ok=True)
    (root / "bin").mkdir(exist_ok=True)      # the only PATH dir: no stray tools from the machine
    if spec.docker:
        _make_docker(root / "bin" / "docker", spec.docker)
    return root


def _make_docker(target: Path, state: str) -> None:
    base = f"docker/docker-info-json-{state}"
    lines = ["#!/bin/sh", f"/bin/cat {shlex.quote(str(fixture(base + '.txt')))}"]
    if state == "down":
        lines += [f"/bin/cat {shlex.quote(str(fixture(base + '.stderr.txt')))} >&2", "exit 1"]
    target.write_text("\n".join(lines) + "\n")
    target.chmod(0o755)


def probe_env(root: Path, spec: HostSpec) -> dict[str, str]:
    """The environment the doctor should see: the spec's variables and a PATH with nothing in it."""
    return {"PATH": str(root / "bin"), **spec.env}


def _place(root: Path, host_path: str, content: bytes) -> None:
    target = root / host_path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)


def _make_dev(dev: Path, spec: HostSpec) -> None:
    (dev / "shm").mkdir(parents=True, exist_ok=True)
    nodes = [(f"davinci{i}", DAVINCI_MAJOR, i) for i in spec.devices]
    nodes += [(name, CONTROL_MAJOR, n) for n, name in enumerate(spec.control_nodes)]
    for name, major, minor in nodes:
        path = dev / name
        if path.exists() or path.is_symlink():
            path.unlink()
        if name in spec.regular_file_nodes:
            path.write_text("")
        else:
            os.mknod(path, 0o660 | stat.S_IFCHR, os.makedev(major, minor))


def _make_npu_smi(root: Path, spec: HostSpec) -> None:
    target = root / "usr/local/bin/npu-smi"
    target.parent.mkdir(parents=True, exist_ok=True)
    if spec.npu_smi_mode == "directory":
        target.mkdir(exist_ok=True)
    elif spec.npu_smi_mode == "script":
        _write_replayer(target, spec.npu_smi, spec.npu_smi_delay_s, fallback=USAGE)
    elif spec.npu_smi_mode == "live":
        replayer = target.parent / ".npu-smi-captures"
        _write_replayer(replayer, spec.npu_smi, spec.npu_smi_delay_s, fallback=USAGE)
        target.write_text(live_npu_smi.script(str(fixture(spec.npu_smi["info"])), str(root / "dev"), str(replayer)))
        target.chmod(0o755)


def _write_replayer(target: Path, outputs: dict[str, str], delay_s: float, fallback: str = "") -> None:
    """A shell script that prints the fixture chosen by its arguments."""
    lines = ["#!/bin/sh"]
    if delay_s:
        # exec keeps one process; the doctor kills the whole group at its timeout anyway
        lines.append(f"/bin/sleep {delay_s}")
    lines.append('case "$*" in')
    for args, rel in outputs.items():
        lines.append(f"  {shlex.quote(args)}) /bin/cat {shlex.quote(str(fixture(rel)))} ;;")
    lines.append(f"  *) echo {shlex.quote(fallback or 'unsupported arguments')} >&2; exit 1 ;;")
    lines.append("esac")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n")
    target.chmod(0o755)
