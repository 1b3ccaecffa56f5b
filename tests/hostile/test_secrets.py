"""Canaries: secrets planted in every source the doctor collects never reach its output or a snapshot.

Each canary carries a core (`cnryNNZq9`) that appears nowhere else; the real CLI runs as a child
process, and its stdout, stderr and every file of the snapshot it writes are searched for the cores.
The snapshot must replay the live run's findings: redaction happens before anything is checked.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import replace
from pathlib import Path

import pytest

from tests.hostile.harness import assert_sane, doctor
from tests.support import hosts, simhost

HEALTHY = 0
INSTALL_INFO = simhost.fixture("version-files/blog-etc-ascend_install.info-driver-firmware.txt").read_text()
DOCKER_INFO = json.loads(simhost.fixture("docker/docker-info-json-up.txt").read_text())

# Environment variables the doctor collects: secret by name, and secret by value in harmless names.
ENV = {
    "VLLM_API_KEY": "plain-cnry01Zq9",
    "ASCEND_OBS_SK": "cnry02Zq9/secret+key==",
    "ASCEND_OBS_AK": "AKcnry03Zq9",
    "VLLM_DB_PWD": "cnry04Zq9",
    "VLLM_EXTRA": "sk-proj-cnry05Zq9" + "x" * 24,
    "TORCH_HUB_HINT": "hf_cnry06Zq9" + "A" * 30,
    "NPU_NOTE": "pushed with ghp_cnry07Zq9" + "B" * 30 + " yesterday",
    "VLLM_ARGS": "--model /data/m --hf-token cnry08Zq9 --api-key=cnry09Zq9 --max-num-batched-tokens 8192",
    "HF_ENDPOINT": "https://mirror-user:pa/ss-cnry10Zq9@hf-mirror.example.com/",
    "OMP_NOTE": "eyJcnry11Zq9abcdef.eyJwYXlsb2FkMTIz.c2lnbmF0dXJlMTIz",
    "HCCN_HEADER": "Authorization: Bearer cnry12Zq9abcdef",
    "GLOO_NOTE": "key id AKIACNRY13ZQ9ABCDEFG",
    # ordinary variables the checks read: they must stay readable
    "ASCEND_RT_VISIBLE_DEVICES": "0,1,2,3,4,5,6,7",
    "TASK_QUEUE_ENABLE": "2",
    "VLLM_USE_V1": "1",
}
FILES = {
    "/etc/hccn.conf": "address_0=192.168.100.100\nnetmask_0=255.255.255.0\nregistry_password=cnry14Zq9\n",
    "/etc/ascend_install.info": INSTALL_INFO.rstrip("\n") + "\nDownload_Token=cnry15Zq9\n",
}
DOCKER_OUT = json.dumps({**DOCKER_INFO, "HttpProxy": "http://proxyuser:pr/x@cnry16Zq9@proxy.corp:3128",
                         "HttpsProxy": 'https://proxyuser:cnry17Zq9"q@proxy.corp:3129',
                         "Labels": ["deploy-token=cnry18Zq9"]}, separators=(",", ":"))
DOCKER_ERR = "WARNING: using proxy https://u:cnry19Zq9@proxy.corp:80 and --registry-password cnry20Zq9"
PYTHON_OUT = json.dumps({"python": "3.11.6", "packages": {"vllm": "0.11.0"}})
PYTHON_ERR = "pip: index-url https://build:cnry21Zq9@pypi.corp/simple, PIP_TOKEN=cnry22Zq9"

CORES = tuple(f"cnry{n:02d}Zq9" for n in range(1, 23) if n != 13) + ("CNRY13ZQ9",)


def script(path: Path, stdout: str, stderr: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\nprintf '%s\\n' {shlex.quote(stdout)}\nprintf '%s\\n' {shlex.quote(stderr)} >&2\n")
    path.chmod(0o755)
    return path


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """(root, env, python) of a healthy host with a canary in every source the doctor collects."""
    base = hosts.atlas_800i_a2_healthy()
    spec = replace(base, extra_files={**base.extra_files, **FILES},
                   env={k: v for k, v in {**base.env, **ENV}.items() if k != "LD_PRELOAD"})
    root = simhost.build(tmp_path_factory.mktemp("planted") / "root", spec)
    script(root / "bin" / "docker", DOCKER_OUT, DOCKER_ERR)          # `docker info` with a proxy password
    python = script(root / "opt" / "python3", PYTHON_OUT, PYTHON_ERR)  # a --python that talks about its index
    return root, simhost.probe_env(root, spec), str(python)


@pytest.fixture(scope="module")
def runs(planted, tmp_path_factory):
    """Every way the doctor shows what it collected: collect, check live and check of the snapshot."""
    root, env, python = planted
    target = ["--root", str(root), "--python", python, "--devices", "0,1"]
    snap = tmp_path_factory.mktemp("snap") / "snap"
    ran = {"collect": doctor("collect", *target, "-o", str(snap), env=env)}
    ran["live --json"] = doctor("check", *target, "--tp", "2", "--json", env=env)
    ran["live -v"] = doctor("check", *target, "--tp", "2", "-v", env=env)
    ran["snapshot --json"] = doctor("check", "--snapshot", str(snap), "--tp", "2", "--json")
    ran["snapshot -v"] = doctor("check", "--snapshot", str(snap), "--tp", "2", "-v")
    return ran, snap


def findings(ran) -> dict[str, tuple]:
    return {f["code"]: (f["status"], f["summary"], f["evidence"]) for f in json.loads(ran.out)["findings"]}


def snapshot_files(snap: Path) -> dict[str, str]:
    return {p.name: p.read_bytes().decode("utf-8", "replace") for p in snap.rglob("*") if p.is_file()}


def test_the_canaries_are_collected(planted, monkeypatch):
    """Without redaction every canary would be in the evidence, so the tests below prove something."""
    from doctor import redact
    from doctor.probes import host, plan

    monkeypatch.setattr(host, "redact_env", lambda env: env)
    monkeypatch.setattr(redact, "redact_observation", lambda obs: obs)
    root, env, python = planted
    evidence = plan.collect(plan.Options(root=str(root), env=env, python=python))
    seen = "\n".join(f"{o.output}\n{o.stderr}" for o in evidence.observations.values())
    assert [core for core in CORES if core not in seen] == []


@pytest.mark.parametrize("name", ["collect", "live --json", "live -v", "snapshot --json", "snapshot -v"])
def test_no_canary_is_printed(runs, name):
    ran, _ = runs
    assert_sane(ran[name], HEALTHY, forbidden=CORES)


def test_no_canary_is_written_to_the_snapshot(runs):
    _, snap = runs
    files = snapshot_files(snap)
    assert len(files) > 10
    leaks = {name: [c for c in CORES if c in text] for name, text in files.items()}
    assert {name: found for name, found in leaks.items() if found} == {}


def test_the_snapshot_keeps_what_the_checks_read(runs):
    _, snap = runs
    files = snapshot_files(snap)
    env = json.loads(files["env.txt"])
    readable = ("ASCEND_RT_VISIBLE_DEVICES", "TASK_QUEUE_ENABLE", "VLLM_USE_V1", "ASCEND_TOOLKIT_HOME",
                "PYTORCH_NPU_ALLOC_CONF", "HCCL_OP_EXPANSION_MODE")
    assert {k: env[k] for k in readable} == {k: {**hosts.BASE_ENV, **ENV}[k] for k in readable}
    assert env["VLLM_API_KEY"] == env["ASCEND_OBS_SK"] == env["ASCEND_OBS_AK"] == "<redacted>"
    assert env["VLLM_ARGS"] == ("--model /data/m --hf-token <redacted> --api-key=<redacted> "
                                "--max-num-batched-tokens 8192")
    assert env["HF_ENDPOINT"] == "https://mirror-user:<redacted>@hf-mirror.example.com/"
    docker = json.loads(files["docker_info.txt"])
    assert docker["ServerVersion"] == DOCKER_INFO["ServerVersion"]
    assert docker["HttpProxy"] == "http://proxyuser:<redacted>@proxy.corp:3128"
    assert "registry_password=<redacted>" in files["file_etc_hccn.conf.txt"]


def test_the_snapshot_replays_the_live_findings(runs):
    ran, _ = runs
    live, replayed = findings(ran["live --json"]), findings(ran["snapshot --json"])
    passed = {code for code, (status, _, _) in live.items() if status == "PASS"}
    assert passed >= {"NET001", "NET003", "ENV005", "SVC001"}     # the checks that read the planted sources ran
    assert replayed == live
