"""deploy.yml end to end over SSH: hosts with their own docker engines, the stand-in image pulled from a
registry, real vLLM (CPU) serving a tiny model, npu-smi showing the serving containers on their chips.

The scenarios share one deployment and run in file order: each starts from what the one before left."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import urllib.error
from pathlib import Path

import pytest

from doctor import recipes
from tests.e2e import harness
from tests.support.sampling import Sampler

ONE, TWO = "dp-1", "dp-2"
SINGLE, TP, OTHER = "e2e-qwen3vl", "e2e-qwen25vl-tp", "e2e-single"
SINGLE_PORT, TP_PORT, OTHER_PORT = 18101, 18102, 18103
TP_MODEL = recipes.load("qwen2.5-vl-32b-tp2").served_model_name


def services(single_extra=None, other_extra=None, other_image=None) -> dict[str, list[dict]]:
    """dp-1: a single-chip service with a spare chip for a side-by-side candidate, and a TP service;
    dp-2: a single-chip service without spare chips (replaced stop-first)."""
    other = harness.service(OTHER, "qwen3-vl-4b", [0], OTHER_PORT, extra_args=other_extra or [])
    if other_image:
        other["image"] = other_image
    return {ONE: [harness.service(SINGLE, "qwen3-vl-4b", [0], SINGLE_PORT, spare_devices=[4],
                                  extra_args=single_extra or []),
                  harness.service(TP, "qwen2.5-vl-32b-tp2", [2, 3], TP_PORT)],
            TWO: [other]}


@pytest.fixture(scope="module")
def second_image(site):
    """The stand-in under a second tag with an image ID of its own, pinned by its digest."""
    local = f"{harness.LOCAL_IMAGE}-b"
    harness.docker("build", "--tag", local, "-", stdin=f"FROM {harness.LOCAL_IMAGE}\nLABEL ascend-doctor.e2e=second\n",
                   check=True, timeout=600)
    harness.docker("push", local, check=True, timeout=600)
    digests = json.loads(harness.docker("image", "inspect", "--format", "{{json .RepoDigests}}", local).stdout)
    digest = next(d for d in digests if d.startswith(local.rsplit(":", 1)[0] + "@")).split("@")[1]
    name = site.image.rsplit(":", 1)[0]
    return {"id": harness.docker("image", "inspect", "--format", "{{.Id}}", local).stdout.strip(), "digest": digest,
            "pinned": f"{name}:{harness.STANDIN_TAG}-b@{digest}", "run": f"{name}@{digest}"}


@pytest.fixture(scope="module")
def deployed(site):
    site.clear()
    for host in (ONE, TWO):
        site.docker(host, "rmi", "--force", site.image)          # the image role must really pull it
    inventory = site.inventory("hosts.yml", services())
    first = harness.playbook(inventory)
    first_image = site.inspect(TWO, OTHER)["Image"] if first.rc == 0 else None
    yield {"inventory": inventory, "first": first, "first_image": first_image}
    site.clear()


def test_first_deploy_pulls_and_serves_every_service(site, deployed):
    first = deployed["first"]
    assert first.rc == 0, first.output[-6000:]
    assert first.task_status("image : Pull " + site.image, ONE) == "changed"
    assert first.task_status("preflight : Check the evidence for each service on the controller") == "ok"
    served = harness.get_json(f"http://{site.address(ONE)}:{SINGLE_PORT}/v1/models")["data"]
    assert [m["id"] for m in served] == ["qwen3vl"]
    assert site.chat(ONE, TP_PORT, TP_MODEL) is not None
    assert site.chat(TWO, OTHER_PORT, "qwen3vl") is not None
    assert SINGLE not in site.containers(TWO)                     # each host has its own engine


def test_containers_carry_the_seed_setup(site, deployed):
    inspect = site.inspect(ONE, TP)
    env = dict(e.split("=", 1) for e in inspect["Config"]["Env"])
    assert env["LD_PRELOAD"] == "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
    assert env["ASCEND_RT_VISIBLE_DEVICES"] == "0,1" and env["HCCL_OP_EXPANSION_MODE"] == "AIV"
    config = inspect["HostConfig"]
    assert config["NetworkMode"] == "host" and config["ShmSize"] == 1024 ** 3
    assert config["RestartPolicy"]["Name"] == "unless-stopped"
    assert config["LogConfig"]["Type"] == "json-file" and config["LogConfig"]["Config"]["max-size"]
    mapped = {d["PathInContainer"] for d in config["Devices"]}
    assert {"/dev/davinci2", "/dev/davinci3", "/dev/davinci_manager", "/dev/devmm_svm", "/dev/hisi_hdc"} <= mapped
    assert int(inspect["Config"]["Healthcheck"]["Interval"]) >= 30 * 10 ** 9     # not every 2 s forever
    command = inspect["Config"]["Cmd"]
    assert command[command.index("--tensor-parallel-size") + 1] == "2"
    workers = site.docker(ONE, "exec", TP, "sh", "-c", "cat /proc/[0-9]*/comm").stdout.split()
    assert sum(name.startswith("VLLM::Worker") for name in workers) == 2, workers
    assert "libjemalloc.so.2" in site.docker(ONE, "exec", SINGLE, "cat", "/proc/1/maps").stdout


def test_serving_chips_look_busy_and_only_the_inventorys_own_services_pass(site, deployed):
    npu_smi = site.fleet.inside(ONE, ["npu-smi", "info"]).stdout
    pid = site.inspect(ONE, SINGLE)["State"]["Pid"]
    assert re.search(rf"^\| 0 +0 +\| {pid} ", npu_smi, re.M), npu_smi

    checked = harness.playbook(deployed["inventory"], "doctor.yml")
    assert checked.rc == 0, checked.output[-4000:]
    assert checked.recap(ONE)["changed"] == 0

    stranger = services()
    stranger[ONE][0]["name"] = "e2e-stranger"                    # chip 0 is held by a service it does not own
    refused = harness.playbook(site.inventory("stranger.yml", {ONE: stranger[ONE]}), "doctor.yml")
    assert refused.rc != 0 and "DEV006" in refused.output, refused.output[-4000:]


def test_rerun_on_serving_hosts_changes_nothing(site, deployed):
    before = {(h, n): site.container_id(h, n) for h, n in ((ONE, SINGLE), (ONE, TP), (TWO, OTHER))}
    again = harness.playbook(deployed["inventory"])
    assert again.rc == 0, again.output[-4000:]
    assert again.recap(ONE)["changed"] == 0 and again.recap(TWO)["changed"] == 0, again.output[-4000:]
    assert {key: site.container_id(*key) for key in before} == before
    for host, name in before:
        assert site.definition(host, name)["config"] == site.inspect(host, name)["Config"]["Labels"]["ascend-doctor.config"]


SMALL_BENCH = {"input_len": 16, "output_len": 8, "num_prompts": 4}


def evaluate(site, inventory, results, *extra: str) -> harness.Play:
    doctor = json.dumps([sys.executable, "-m", "doctor"])
    return harness.playbook(inventory, "evaluate.yml", "-e", f"evaluate_results_dir={results}",
                            "-e", f'{{"evaluate_doctor_command": {doctor}}}', *extra)


def runs(results: Path, host: str, service: str) -> list[Path]:
    folder = results / host / service
    return sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


def test_evaluate_measures_a_service_and_keeps_the_results_on_the_controller(site, deployed, tmp_path):
    results = tmp_path / "results"
    settings = json.dumps({"evaluate_bench_settings": {**SMALL_BENCH, "concurrency": [1, 2]}})
    play = evaluate(site, deployed["inventory"], results, "--limit", TWO, "-e", settings,
                    "-e", "evaluate_eval=true", "-e", "evaluate_eval_task=adoc_arith", "-e", "evaluate_eval_limit=2")
    assert play.rc == 0, play.output[-4000:]
    [run] = runs(results, TWO, OTHER)
    bench = json.loads((run / "bench.json").read_text())
    assert [level["concurrency"] for level in bench["sweep"]] == [1, 2]
    assert all(level["result"]["completed"] == 4 and level["result"]["failed"] == 0 for level in bench["sweep"])
    raw = json.loads((run / "raw" / "vllm-bench-c2.json").read_text())      # vLLM's own file, fetched
    assert raw["completed"] == 4 and raw["max_concurrency"] == 2
    assert (run / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    accuracy = json.loads((run / "eval.json").read_text())
    assert accuracy["result"]["task"] == "adoc_arith" and accuracy["result"]["samples"] == 2
    shown = subprocess.run([sys.executable, "-m", "doctor", "results", str(results), "--json"],
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert {(s["series"], s["kind"]) for s in json.loads(shown.stdout)["series"]} == {
        (f"{TWO}/{OTHER}", "bench"), (f"{TWO}/{OTHER}", "eval")}


def test_a_failed_benchmark_gate_stops_the_rollout(site, deployed, tmp_path):
    results, baselines = tmp_path / "results", tmp_path / "baselines"
    baselines.mkdir()
    (baselines / f"{SINGLE}.bench.json").write_text(json.dumps({"output_throughput": 1e9}))
    settings = json.dumps({"evaluate_bench_settings": {**SMALL_BENCH, "concurrency": [1]}})
    play = evaluate(site, deployed["inventory"], results, "-e", settings, "-e", f"evaluate_baseline_dir={baselines}")
    assert play.rc != 0 and "output_throughput" in play.output, play.output[-4000:]
    [run] = runs(results, ONE, SINGLE)
    assert json.loads((run / "bench.json").read_text())["gate"]["passed"] is False
    assert not runs(results, ONE, TP) and not (results / TWO).exists()      # nothing after the failed gate


def test_check_mode_reports_and_neither_waits_nor_smokes(site, deployed):
    inventory = site.inventory("changed.yml", services(["--max-num-seqs", "4"], ["--max-num-seqs", "4"]))
    before = site.container_id(ONE, SINGLE)
    dry = harness.playbook(inventory, "deploy.yml", "--check", "--diff")
    assert dry.rc == 0, dry.output[-4000:]
    assert '+        "--max-num-seqs",' in dry.output
    assert f"{SINGLE}: would replace it after proving the new configuration on chips 4" in dry.output
    assert f"{OTHER}: would replace it stop-first" in dry.output
    assert f"would smoke-test {SINGLE} once it runs" in dry.output
    assert "TASK [smoke : Query " + SINGLE not in dry.output
    assert site.container_id(ONE, SINGLE) == before
    assert "--max-num-seqs" not in site.definition(ONE, SINGLE)["argv"]


def request_loop(site, host: str, port: int, stop: threading.Event, outcomes: list, limit_s: float = 900) -> None:
    """Bounded: stops when told, or after limit_s, whichever first."""
    started = time.monotonic()
    while not stop.is_set() and time.monotonic() - started < limit_s:
        try:
            site.chat(host, port, "qwen3vl", timeout=60)
            outcomes.append(True)
        except (urllib.error.URLError, OSError, KeyError, ValueError) as exc:
            outcomes.append(exc)
        time.sleep(0.2)


def test_failed_change_proven_on_spare_chips_never_interrupts_the_old_one(site, deployed):
    # vLLM refuses a context longer than the model's 32768 positions: the candidate never answers.
    inventory = site.inventory("broken-candidate.yml", services(["--max-model-len", "999999"]))
    before = site.container_id(ONE, SINGLE)
    stop, outcomes = threading.Event(), []
    loop = threading.Thread(target=request_loop, args=(site, ONE, SINGLE_PORT, stop, outcomes))
    loop.start()
    try:
        failed = harness.playbook(inventory)
    finally:
        stop.set()
        loop.join()
    assert failed.rc != 0
    assert "failed and was not put in place" in failed.output
    assert "max-model-len" in failed.output or "max_model_len" in failed.output   # the candidate's log
    assert site.container_id(ONE, SINGLE) == before
    assert not {f"{SINGLE}-candidate", f"{SINGLE}-previous"} & site.containers(ONE)
    errors = [o for o in outcomes if o is not True]
    assert outcomes and not errors, f"{len(errors)} of {len(outcomes)} requests failed: {errors[:3]}"


def test_failed_stop_first_change_brings_the_old_one_back_proven(site, deployed):
    inventory = site.inventory("broken-stop-first.yml", services(other_extra=["--max-model-len", "999999"]))
    before = site.container_id(TWO, OTHER)
    failed = harness.playbook(inventory)
    assert failed.rc != 0
    assert "the old one serves again and answered its smoke test" in failed.output, failed.output[-6000:]
    assert site.container_id(TWO, OTHER) == before
    state = site.inspect(TWO, OTHER)
    assert state["State"]["Running"] and state["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    assert not {f"{OTHER}-candidate", f"{OTHER}-previous"} & site.containers(TWO)
    assert site.chat(TWO, OTHER_PORT, "qwen3vl") is not None


def test_new_image_by_digest_replaces_stop_first_and_reports_the_outage(site, deployed, second_image):
    """dp-2 has no spare chip: the old container stops, npu-smi must show chip 0 free, the new one starts."""
    before = site.inspect(TWO, OTHER)
    changed = harness.playbook(site.inventory("new-image.yml", services(other_image=second_image["pinned"])))
    assert changed.rc == 0, changed.output[-6000:]
    assert changed.task_status("service : Wait until npu-smi shows the chips released, 0", TWO) == "ok"
    outage = float(re.search(r"outage_s: ([\d.]+)", changed.output).group(1))
    assert 0 < outage < 600
    after = site.inspect(TWO, OTHER)
    assert after["Id"] != before["Id"] and after["Image"] == second_image["id"]
    assert after["Config"]["Image"] == second_image["run"]                  # runs by digest
    assert after["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    kept = site.definition(TWO, OTHER, ".previous.json")
    assert kept["image_id"] == before["Image"] and kept["config"] == before["Config"]["Labels"]["ascend-doctor.config"]
    assert site.chat(TWO, OTHER_PORT, "qwen3vl") is not None


def test_status_shows_what_runs_against_the_inventory(site, deployed, second_image):
    report = site.work / "status.json"
    shown = harness.playbook(site.inventory("status.yml", services(other_image=second_image["pinned"])), "status.yml",
                             "-e", f"status_json={report}")
    assert shown.rc == 0, shown.output[-4000:]
    assert shown.recap(TWO)["changed"] == 0
    hosts = json.loads(report.read_text())["hosts"]
    other = next(row for row in hosts[TWO] if row["service"] == OTHER)
    assert (other["state"], other["answers"], other["config"], other["restart"]) == (
        "running", True, "current", "unless-stopped"), other
    assert other["health"] in ("starting", "healthy"), other      # docker's first check comes 30 s after start
    assert any(second_image["digest"] in digest for digest in other["digests"])
    assert re.fullmatch(r"20\d\d-.*, [\d.]+ s", other["last_smoke"]), other
    assert {row["config"] for row in hosts[ONE]} == {"current"}


def test_rollback_brings_the_previous_image_and_configuration_back(site, deployed, second_image):
    before = site.inspect(TWO, OTHER)
    rolled = harness.playbook(deployed["inventory"], "rollback.yml", "-e", f"rollback_services={OTHER}")
    assert rolled.rc == 0, rolled.output[-6000:]
    after = site.inspect(TWO, OTHER)
    assert before["Image"] == second_image["id"] and after["Image"] == deployed["first_image"]
    assert after["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    assert site.chat(TWO, OTHER_PORT, "qwen3vl") is not None
    again = harness.playbook(deployed["inventory"])            # the inventory names the first image again
    assert again.rc == 0 and again.recap(TWO)["changed"] == 0, again.output[-4000:]


def test_a_secret_key_never_shows_and_a_new_one_replaces_the_service(site, deployed):
    keyed = services(["--max-num-seqs", "4"])
    keyed[ONE][0]["api_key_set"] = True
    before = site.container_id(ONE, SINGLE)
    with KeyWatch("e2e-s3cret") as watch:
        changed = harness.playbook(site.inventory("keyed.yml", keyed, vllm_api_key="e2e-s3cret"), "deploy.yml", "-vvv")
    assert changed.rc == 0, changed.output[-6000:]
    assert "e2e-s3cret" not in changed.output                      # -vvv included
    assert watch.samples > 20 and not watch.seen, watch.seen       # never in any process's argv, any host
    tree = site.fleet[ONE].fs
    readable = [p for p in tree.rglob("*") if p.is_file() and not p.is_symlink() and others_can_read(tree, p)
                and b"e2e-s3cret" in p.read_bytes()]
    assert not readable, readable
    assert site.container_id(ONE, SINGLE) not in (None, before)
    assert "e2e-s3cret" not in " ".join(site.inspect(ONE, SINGLE)["Config"]["Cmd"])
    with pytest.raises(urllib.error.HTTPError) as refused:
        site.chat(ONE, SINGLE_PORT, "qwen3vl")
    assert refused.value.code == 401
    assert site.chat(ONE, SINGLE_PORT, "qwen3vl", api_key="e2e-s3cret") is not None

    rekeyed = harness.playbook(site.inventory("rekeyed.yml", keyed, vllm_api_key="e2e-n3w-key"))
    assert rekeyed.rc == 0, rekeyed.output[-6000:]
    with pytest.raises(urllib.error.HTTPError):
        site.chat(ONE, SINGLE_PORT, "qwen3vl", api_key="e2e-s3cret")
    assert site.chat(ONE, SINGLE_PORT, "qwen3vl", api_key="e2e-n3w-key") is not None


def others_can_read(root, path) -> bool:
    """A user other than root reads the file: it is world-readable and every directory above it, up to
    the host's /, lets others through."""
    if not path.stat().st_mode & 0o004:
        return False
    return all(parent.stat().st_mode & 0o001 for parent in path.parents if parent.is_relative_to(root))


class KeyWatch(Sampler):
    """Samples every process's command line on this machine (every simulated host's too) while a play runs."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret, self.seen, self.samples = secret.encode(), [], 0

    def sample(self) -> None:
        self.samples += 1
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                if self.secret in cmdline.read_bytes():
                    self.seen.append(cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")[:200])
            except OSError:
                pass


def test_prune_removes_only_what_the_inventory_no_longer_names(site, deployed):
    keyed = services(["--max-num-seqs", "4"])
    keyed[ONE][0]["api_key_set"] = True
    inventory = site.inventory("pruned.yml", {ONE: keyed[ONE][:1], TWO: keyed[TWO]}, vllm_api_key="e2e-n3w-key")
    untouched = harness.playbook(inventory)
    assert untouched.rc == 0, untouched.output[-4000:]
    assert TP in site.containers(ONE) and site.definition(ONE, TP) is not None     # pruning is asked for
    kept = site.container_id(ONE, SINGLE)
    pruned = harness.playbook(inventory, "deploy.yml", "-e", "service_prune=true")   # a string, as -e gives it
    assert pruned.rc == 0, pruned.output[-4000:]
    assert TP not in site.containers(ONE) and site.definition(ONE, TP) is None
    assert site.container_id(ONE, SINGLE) == kept and site.definition(ONE, SINGLE) is not None


def test_undeploy_removes_the_services_and_everything_kept_for_them(site, deployed):
    bad = harness.playbook(deployed["inventory"], "undeploy.yml", "-e", "undeploy_services=e2e-nonesuch")
    assert bad.rc != 0 and "e2e-nonesuch, which no host of the inventory runs" in bad.output
    assert SINGLE in site.containers(ONE)
    removed = harness.playbook(deployed["inventory"], "undeploy.yml")
    assert removed.rc == 0, removed.output[-4000:]
    assert not {SINGLE, TP} & site.containers(ONE) and OTHER not in site.containers(TWO)
    config_dir = site.fleet[TWO].path(harness.CONFIG_DIR)
    assert not list(config_dir.glob("*"))                          # definitions, previous, key, smoke results
    again = harness.playbook(deployed["inventory"], "undeploy.yml")
    assert again.rc == 0 and again.recap(ONE)["changed"] == 0
