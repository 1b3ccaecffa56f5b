"""One SSH round trip to one host: send the collector on stdin of the host's python3, read its evidence.

Fabric's Connection sets up the session (ssh config, keys, agent, ProxyJump gateways); the
command itself runs on a raw channel so its output is capped while read and its time bounded.
Host keys are checked against known_hosts: an unknown or changed key is that host's error.
"""

from __future__ import annotations

import os
import shlex
import socket
import time
from dataclasses import dataclass

# Imported here, once: several host threads importing fabric at the same moment can see it half done.
import fabric
import paramiko

from doctor.fleet.inventory import Target

STDOUT_LIMIT = 16 * 1024 * 1024      # as `check --evidence`: a host's evidence is a few hundred KiB
STDERR_LIMIT = 64 * 1024
CHUNK = 64 * 1024
NO_PYTHON_EXITS = (126, 127)
TOO_OLD_EXIT = 97


class HostError(Exception):
    """Why a host gave no evidence, in one line an operator can act on."""


@dataclass(frozen=True)
class SshSettings:
    known_hosts: str | None = None        # None: ~/.ssh/known_hosts (or the ssh config's UserKnownHostsFile)
    accept_new_host_keys: bool = False
    ssh_config: str | None = None         # None: ~/.ssh/config and /etc/ssh/ssh_config, as ssh reads them
    connect_timeout: float = 10.0


@dataclass(frozen=True)
class Exchange:
    stdout: bytes
    stderr: str
    exit_code: int | None
    sent_at: float                        # controller clock, just before the command ran
    received_at: float                    # controller clock, when it ended


class Session:
    """A connection to one host that another thread may cut (`abort`) when its deadline passes."""

    def __init__(self, target: Target, settings: SshSettings) -> None:
        self.target, self.settings = target, settings
        self.connection = None
        self.aborted = False

    def run_collector(self, script: str, deadline: float) -> Exchange:
        connection = self._open(deadline)
        password = self._password_to_send(connection, deadline)
        command = _command(self.target, password is not None)
        channel = connection.transport.open_session(timeout=_left(deadline))
        stdin = (password + "\n" if password is not None else "") + script
        sent_at = time.time()
        channel.exec_command(command)
        channel.sendall(stdin.encode("utf-8"))
        channel.shutdown_write()
        stdout, stderr = _read(channel, deadline, self)
        exit_code = channel.recv_exit_status() if channel.exit_status_ready() else None
        return Exchange(stdout, stderr.decode("utf-8", "replace"), exit_code, sent_at, time.time())

    def _password_to_send(self, connection, deadline: float) -> str | None:
        """The become password, only when sudo will ask for it: a line sudo does not read would
        reach python3 as the first line of the collector."""
        if not (self.target.become and self.target.become_password):
            return None
        channel = connection.transport.open_session(timeout=_left(deadline))
        channel.exec_command(f"sudo -n -u {shlex.quote(self.target.become_user)} -- true")
        channel.settimeout(_left(deadline))
        return None if channel.recv_exit_status() == 0 else self.target.become_password

    def abort(self) -> None:
        self.aborted = True
        self.close()

    def close(self) -> None:
        connection = self.connection
        while connection is not None:
            try:
                connection.close()
            except Exception:   # closing a half-open paramiko transport may raise anything
                pass
            connection = connection.gateway if not isinstance(connection.gateway, str) else None

    def _open(self, deadline: float):
        self.connection = connection(self.target, self.settings)
        try:
            self.connection.open()
        except paramiko.BadHostKeyException as exc:
            raise HostError(f"host key CHANGED for {exc.hostname}: refusing to connect (if the host was "
                            f"reinstalled: ssh-keygen -R {exc.hostname}, then verify the new key)") from exc
        except paramiko.SSHException as exc:
            raise HostError(_ssh_reason(exc, self.target)) from exc
        except socket.timeout as exc:
            raise HostError(f"no SSH answer from {self.target.address}:{self.target.port} within "
                            f"{self.settings.connect_timeout:g} s") from exc
        except OSError as exc:
            raise HostError(f"cannot reach {self.target.address}:{self.target.port}: "
                            f"{exc.strerror or exc}") from exc
        if self.aborted or time.monotonic() > deadline:
            raise HostError("the host's deadline passed while connecting")
        return self.connection


def connection(target: Target, settings: SshSettings):
    """A Fabric Connection with host key checking switched on, its gateways too."""
    config = fabric.Config(runtime_ssh_path=settings.ssh_config) if settings.ssh_config else fabric.Config()
    connect_kwargs = {"key_filename": [target.key_file]} if target.key_file else {}
    connect_kwargs.update(banner_timeout=settings.connect_timeout, auth_timeout=settings.connect_timeout,
                          channel_timeout=settings.connect_timeout)
    gateway = _gateway(target, settings, config) if target.proxy_jump else None
    result = fabric.Connection(target.address, user=target.user, port=target.port, config=config,
                        connect_timeout=int(max(settings.connect_timeout, 1)), connect_kwargs=connect_kwargs,
                        **({"gateway": gateway} if gateway is not None else {}))
    hop = result
    while hop is not None and not isinstance(hop, str):
        _verify_host_keys(hop, settings)
        hop = hop.gateway
    return result


def _gateway(target: Target, settings: SshSettings, config):
    connect_kwargs = {"key_filename": [target.key_file]} if target.key_file else {}
    return fabric.Connection(target.proxy_jump, config=config, connect_timeout=int(max(settings.connect_timeout, 1)),
                      connect_kwargs=connect_kwargs)


def _verify_host_keys(hop, settings: SshSettings) -> None:
    known_hosts = settings.known_hosts or _config_known_hosts(hop) or os.path.join(_home(), ".ssh", "known_hosts")
    if os.path.exists(known_hosts):
        hop.client.load_host_keys(known_hosts)
    if settings.accept_new_host_keys:
        if not os.path.exists(known_hosts):
            os.makedirs(os.path.dirname(known_hosts) or ".", mode=0o700, exist_ok=True)
            open(known_hosts, "a").close()
            hop.client.load_host_keys(known_hosts)
        hop.client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    else:
        hop.client.set_missing_host_key_policy(paramiko.RejectPolicy())


def _home() -> str:
    """The user's home as ssh finds it: from the password database, not $HOME."""
    import pwd

    try:
        return pwd.getpwuid(os.getuid()).pw_dir
    except KeyError:
        return os.path.expanduser("~")


def _config_known_hosts(hop) -> str | None:
    value = hop.ssh_config.get("userknownhostsfile")
    return os.path.expanduser(value.split()[0]) if value else None


def _command(target: Target, with_password: bool) -> str:
    # -I -S: no site-packages and no PYTHON* variables, so nothing on the host can change the collector
    # (and it starts faster).
    python = f"{shlex.quote(target.python)} -I -S -"
    if not target.become:
        return python
    prompt = "-S -p ''" if with_password else "-n"
    return f"sudo {prompt} -u {shlex.quote(target.become_user)} -- {python}"


def _read(channel, deadline: float, session: Session) -> tuple[bytes, bytes]:
    out, err = bytearray(), bytearray()
    channel.settimeout(0.2)
    while not (channel.exit_status_ready() and not channel.recv_ready() and not channel.recv_stderr_ready()):
        if session.aborted or time.monotonic() > deadline:
            raise HostError("the host's deadline passed before the collector finished")
        _drain(channel.recv_stderr, channel.recv_stderr_ready, err, STDERR_LIMIT)
        if _drain(channel.recv, channel.recv_ready, out, STDOUT_LIMIT):
            raise HostError(f"the collector printed more than {STDOUT_LIMIT >> 20} MiB; stopped")
        if channel.closed and not channel.recv_ready():
            break
        if not channel.recv_ready() and not channel.recv_stderr_ready():
            channel.status_event.wait(0.05)
    return bytes(out), bytes(err)


def _drain(receive, ready, buffer: bytearray, limit: int) -> bool:
    """Keep what is there, up to `limit` bytes in all; True when more than that arrived."""
    overflow = False
    while ready():
        try:
            chunk = receive(CHUNK)
        except socket.timeout:
            break
        if not chunk:
            break
        room = max(limit - len(buffer), 0)
        buffer += chunk[:room]
        overflow = overflow or len(chunk) > room
    return overflow


def _left(deadline: float) -> float:
    return max(deadline - time.monotonic(), 0.1)


def _ssh_reason(exc: Exception, target: Target) -> str:
    text = str(exc)
    if "not found in known_hosts" in text:
        return (f"host key of {target.address} is not in known_hosts: verify it, then add it "
                f"(ssh-keyscan -p {target.port} {target.address} >> ~/.ssh/known_hosts) or pass "
                "--accept-new-host-keys")
    if "Authentication failed" in text or type(exc).__name__ == "AuthenticationException":
        return f"authentication refused for {target.user or 'the default user'}@{target.address}: check the key " \
               "(ansible_ssh_private_key_file) and the user's authorized_keys"
    return f"SSH failed: {text[:200] or type(exc).__name__}"


def explain_exit(exchange: Exchange, target: Target) -> str | None:
    """Why the collector gave no evidence, from its exit code and stderr; None when it did."""
    stderr = exchange.stderr.strip()
    last = stderr.splitlines()[-1][:200] if stderr else ""
    if exchange.exit_code == 0:
        return None
    if exchange.exit_code is None:
        return "the SSH channel closed before the collector finished"
    if exchange.exit_code in NO_PYTHON_EXITS:
        return (f"no {target.python} on the host ({last or f'exit {exchange.exit_code}'}): install python3 "
                "(3.7 or later) or set ansible_python_interpreter")
    if exchange.exit_code == TOO_OLD_EXIT:
        return last or f"{target.python} on the host is older than 3.7"
    if target.become and ("password is required" in stderr or "a terminal is required" in stderr):
        return (f"sudo on the host asks {target.user or 'the user'} for a password: give it with "
                "ansible_become_password (vault) or allow NOPASSWD for python3")
    return f"the collector exited {exchange.exit_code}: {last or 'no message'}"
