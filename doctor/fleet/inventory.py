"""The fleet's hosts, read from an Ansible inventory by ansible-core itself.

YAML or INI, group_vars and host_vars, `--limit` patterns and vault-encrypted values behave
exactly as they do for `ansible-playbook`; only the variables the fleet check needs are kept.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field

from doctor.errors import UsageError

# A variable naming the multi-node cluster a host belongs to: hosts with the same value run one
# model across nodes, so their NPUs must reach each other.
CLUSTER_VARIABLE = "ascend_cluster"


@dataclass(frozen=True)
class Target:
    """One host and how to reach it."""

    name: str
    address: str
    port: int = 22
    user: str | None = None
    key_file: str | None = None
    proxy_jump: str | None = None          # "user@host:port" of a bastion
    become: bool = False
    become_user: str = "root"
    become_password: str | None = field(default=None, repr=False)    # never saved or printed
    python: str = "python3"
    groups: tuple[str, ...] = ()
    cluster: str | None = None
    services: object = None                # the host's vllm_services, as the inventory has them
    image: str | None = None               # vllm_image
    ignore: tuple[str, ...] = ()           # preflight_ignore: check codes accepted on this host
    error: str | None = None               # a variable that cannot be used; the host is not contacted


@dataclass
class Inventory:
    targets: list[Target] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def load(sources: list[str], limit: str | None = None, vault_password_file: str | None = None) -> Inventory:
    for source in sources:
        if not os.path.exists(source):
            raise UsageError(f"inventory {source} does not exist")
    loader, manager, variables = _ansible(sources, vault_password_file)
    if limit:
        manager.subset(limit)
    hosts = manager.get_hosts("all")
    if not hosts:
        raise UsageError(f"no host in {', '.join(sources)}" + (f" matches --limit {limit}" if limit else ""))
    return Inventory([_target(host, loader, variables) for host in hosts])


def _ansible(sources: list[str], vault_password_file: str | None):
    from ansible.errors import AnsibleError
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.vars.manager import VariableManager

    loader = DataLoader()
    _vault_secrets(loader, vault_password_file)
    try:
        manager = InventoryManager(loader=loader, sources=list(sources))
    except AnsibleError as exc:
        raise UsageError(f"cannot read the inventory: {exc}") from exc
    return loader, manager, VariableManager(loader=loader, inventory=manager)


def _vault_secrets(loader, password_file: str | None) -> None:
    password_file = password_file or os.environ.get("ANSIBLE_VAULT_PASSWORD_FILE")
    if not password_file:
        return
    from ansible.cli import CLI
    from ansible.errors import AnsibleError

    try:
        secrets = CLI.setup_vault_secrets(loader, vault_ids=[], vault_password_files=[password_file])
    except AnsibleError as exc:
        raise UsageError(f"cannot use the vault password file {password_file}: {exc}") from exc
    loader.set_vault_secrets(secrets)


def _target(host, loader, variables) -> Target:
    from ansible.errors import AnsibleError
    from ansible.template import Templar

    facts = variables.get_vars(host=host)
    templar = Templar(loader=loader, variables=facts)
    groups = tuple(sorted(g.name for g in host.get_groups() if g.name != "all"))
    try:
        value = _reader(facts, templar)
        return Target(
            name=host.name, address=str(value("ansible_host") or host.name),
            port=_port(value("ansible_port") or value("ansible_ssh_port") or 22),
            user=_text_or_none(value("ansible_user") or value("ansible_ssh_user")),
            key_file=_path_or_none(value("ansible_ssh_private_key_file") or value("ansible_private_key_file")),
            proxy_jump=proxy_jump(str(value("ansible_ssh_common_args") or "") + " " +
                                  str(value("ansible_ssh_extra_args") or "")),
            become=_boolean("ansible_become", value("ansible_become") or False),
            become_user=str(value("ansible_become_user") or "root"),
            become_password=_text_or_none(value("ansible_become_password") or value("ansible_become_pass")),
            python=_interpreter(value("ansible_python_interpreter")),
            groups=groups, cluster=_text_or_none(value(CLUSTER_VARIABLE)),
            services=value("vllm_services"), image=_text_or_none(value("vllm_image")),
            ignore=_codes(value("preflight_ignore")),
        )
    except (ValueError, AnsibleError) as exc:
        hint = "; give --vault-password-file" if "vault" in str(exc).lower() else ""
        return Target(name=host.name, address=host.name, groups=groups, error=f"inventory: {exc}{hint}")


def _reader(facts: dict, templar):
    def value(name: str):
        raw = facts.get(name)
        return templar.template(raw) if raw is not None else None
    return value


def _port(value: object) -> int:
    text = str(value)
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 65535):
        raise ValueError(f"ansible_port {text!r} is not a port number")
    return int(text)


def _text_or_none(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _path_or_none(value: object) -> str | None:
    return os.path.expanduser(str(value)) if value not in (None, "") else None


def _boolean(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("yes", "true", "1", "on"):
        return True
    if text in ("no", "false", "0", "off", ""):
        return False
    raise ValueError(f"{name} {value!r} is not a boolean")


def _interpreter(value: object) -> str:
    text = str(value or "python3")
    # Ansible's discovery keywords mean "find one": the collector asks for python3 on PATH.
    return "python3" if text.startswith("auto") else text


def _codes(value: object) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    items = value if isinstance(value, list) else str(value).split(",")
    return tuple(str(item).strip().upper() for item in items if str(item).strip())


def proxy_jump(ssh_args: str) -> str | None:
    """The bastion named by `-J host`, `-o ProxyJump=host` or `-o ProxyCommand="ssh -W %h:%p host"`."""
    try:
        words = shlex.split(ssh_args)
    except ValueError as exc:
        raise ValueError(f"ansible_ssh_common_args cannot be read: {exc}") from None
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        if word == "-J" and following:
            return following.split(",")[0]
        option = following if word == "-o" else (word[2:] if word.startswith("-o") else "")
        key, _, setting = option.partition("=")
        if key.strip().lower() == "proxyjump" and setting.strip():
            return setting.strip().split(",")[0]
        if key.strip().lower() == "proxycommand" and setting.strip():
            return _bastion_of_proxy_command(setting)
    return None


def _bastion_of_proxy_command(command: str) -> str:
    words = shlex.split(command)
    if words[:1] != ["ssh"] or "-W" not in words:
        raise ValueError(f"ProxyCommand {command!r} is not understood; use ProxyJump (-J user@bastion)")
    user, port, host = None, None, None
    index = 1
    while index < len(words):
        word = words[index]
        if word in ("-W", "-i", "-F", "-o"):
            index += 2
            continue
        if word == "-l":
            user, index = words[index + 1], index + 2
            continue
        if word == "-p":
            port, index = words[index + 1], index + 2
            continue
        if not word.startswith("-"):
            host = word
        index += 1
    if host is None:
        raise ValueError(f"ProxyCommand {command!r} names no bastion host")
    return (f"{user}@" if user and "@" not in host else "") + host + (f":{port}" if port else "")
