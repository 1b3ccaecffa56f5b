"""The controller's side of a fleet: its key, known_hosts, ssh_config and Ansible inventory.

Every file is explicit and passed explicitly: `ssh` reads known_hosts from the passwd home
(not $HOME) and paramiko from $HOME, so neither default is ever relied on.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import hostroot

DEFAULT_SERVICES = ({"name": "qwen3-vl-4b", "recipe": "qwen3-vl-4b", "devices": [0], "port": 8000},)


@dataclass(frozen=True)
class Entry:
    """What the controller's files say about one host."""

    name: str
    address: str
    host_key: str                          # "ssh-ed25519 AAAA... root@name"
    user: str = "root"                     # who Ansible and Fabric log in as
    jump: Entry | None = None              # the bastion, for hosts behind it
    group: str = "vllm_hosts"
    vllm_services: list[dict] = field(default_factory=lambda: copy.deepcopy(list(DEFAULT_SERVICES)))
    extra_vars: dict = field(default_factory=dict)   # more inventory variables (ascend_cluster, ...)


def make_client_key(path: Path) -> str:
    """An ed25519 key pair for the controller; returns the public key line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    hostroot.generate_key(path, comment="fleet-controller")
    return path.with_name(path.name + ".pub").read_text()


def known_hosts(entries: list[Entry]) -> str:
    """One line per host, under its name and its address (ssh looks keys up by HostName)."""
    return "".join(f"{e.name},{e.address} {_key_only(e.host_key)}\n" for e in entries)


def _key_only(host_key: str) -> str:
    kind, blob = host_key.split()[:2]
    return f"{kind} {blob}"


def ssh_config(entries: list[Entry], key: Path, known_hosts_file: Path) -> str:
    """A config for `ssh -F`: each host by name or address, then strict checking against our files."""
    lines = []
    for e in entries:
        lines += [f"Host {e.name} {e.address}", f"    HostName {e.address}", "    User root"]
        if e.jump:
            lines.append(f"    ProxyJump {e.jump.name}")
    lines += [
        "Host *",
        f"    IdentityFile {key}",
        "    IdentitiesOnly yes",
        f"    UserKnownHostsFile {known_hosts_file}",
        "    GlobalKnownHostsFile /dev/null",
        "    StrictHostKeyChecking yes",
        "    CheckHostIP no",
        "    UpdateHostKeys no",
        "    BatchMode yes",
        "    ConnectTimeout 5",
        "    LogLevel ERROR",
    ]
    return "\n".join(lines) + "\n"


def inventory(entries: list[Entry], key: Path, config: Path) -> dict:
    """An Ansible YAML inventory in the shape of inventories/example/, one group per role."""
    groups: dict[str, dict] = {}
    for e in entries:
        hosts = groups.setdefault(e.group, {"hosts": {}})["hosts"]
        hosts[e.name] = _host_vars(e, key, config)
    return {"all": {"vars": {"ansible_python_interpreter": "/usr/bin/python3"}, "children": groups}}


def _host_vars(e: Entry, key: Path, config: Path) -> dict:
    host_vars = connection_vars(e, key, config)
    if e.group == "vllm_hosts":
        host_vars["vllm_services"] = e.vllm_services
    return {**host_vars, **e.extra_vars}


def connection_vars(e: Entry, key: Path, config: Path) -> dict:
    """How Ansible reaches the host: address, user (become for a sudo user), key, and our ssh config
    (-F: its known_hosts, strict checking; ssh hands it on to the jump, which finds them there too)."""
    common = f"-F {config}" + (f" -o ProxyJump=root@{e.jump.address}" if e.jump else "")
    host_vars = {
        "ansible_host": e.address,
        "ansible_user": e.user,
        "ansible_ssh_private_key_file": str(key),
        "ansible_ssh_common_args": common,
    }
    if e.user != "root":
        host_vars["ansible_become"] = True
    return host_vars


def deploy_inventory(entries: list[Entry], key: Path, config: Path, host_vars: dict[str, dict],
                     group_vars: dict) -> dict:
    """Only the hosts given, in group vllm_hosts, with how to reach them and the given variables."""
    hosts = {e.name: {**connection_vars(e, key, config), "ansible_python_interpreter": "/usr/bin/python3",
                      **host_vars.get(e.name, {})} for e in entries}
    group = {"hosts": hosts, **({"vars": group_vars} if group_vars else {})}
    return {"all": {"children": {"vllm_hosts": group}}}


def write_yaml(path: Path, inventory_data: dict) -> Path:
    path.write_text("---\n" + yaml.safe_dump(inventory_data, sort_keys=False))
    return path


def write_all(directory: Path, entries: list[Entry], key: Path) -> dict[str, Path]:
    files = {name: directory / name for name in ("known_hosts", "ssh_config", "inventory.yml")}
    files["known_hosts"].write_text(known_hosts(entries))
    files["ssh_config"].write_text(ssh_config(entries, key, files["known_hosts"]))
    write_yaml(files["inventory.yml"], inventory(entries, key, files["ssh_config"]))
    return files
