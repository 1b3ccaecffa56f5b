"""`check` and `collect` end to end, in-process, against simulated hosts."""

import json
from dataclasses import replace

from tests.support import hosts, simhost

IMAGE = "quay.io/ascend/vllm-ascend:v0.9.0rc2"


def host(tmp_path, spec):
    root = simhost.build(tmp_path / "host", spec)
    return root, simhost.probe_env(root, spec)


def test_healthy_host_is_ready_and_exits_0(cli, tmp_path):
    root, env = host(tmp_path, hosts.atlas_800i_a2_healthy())
    ran = cli("check", "--root", str(root), "--devices", "0,1", "--tp", "2", "--image", IMAGE, environ=env)
    assert ran.code == 0, ran.out
    assert "ready:" in ran.out and "0 fail" not in ran.out
    assert "collected" in ran.err      # progress goes to stderr, never stdout


def test_json_report_has_schema_and_every_check(cli, tmp_path):
    from doctor.checks.catalog import CATALOG

    root, env = host(tmp_path, hosts.atlas_800_a3_busy())
    ran = cli("check", "--root", str(root), "--devices", "8,9", "--tp", "2", "--image", IMAGE, "--json", environ=env)
    doc = json.loads(ran.out)
    assert ran.code == 1
    assert doc["schema"] == "ascend-doctor-report/1" and doc["exit_code"] == 1
    assert [f["code"] for f in doc["findings"]] == [c.code for c in CATALOG]
    busy = next(f for f in doc["findings"] if f["code"] == "DEV006")
    assert busy["status"] == "FAIL" and busy["fix"]


def test_ignore_turns_a_fail_into_a_printed_warn(cli, tmp_path):
    root, env = host(tmp_path, hosts.atlas_800_a3_busy())
    args = ["check", "--root", str(root), "--devices", "8,9", "--tp", "2", "--image", IMAGE + "-a3", "--json"]
    before = json.loads(cli(*args, environ=env).out)
    failing = sorted(f["code"] for f in before["findings"] if f["status"] == "FAIL")
    assert "DEV006" in failing
    after_run = cli(*args, "--ignore", ",".join(failing), environ=env)
    after = json.loads(after_run.out)
    ignored = [f for f in after["findings"] if f["ignored"]]
    assert sorted(f["code"] for f in ignored) == failing
    assert all(f["status"] == "WARN" and "ignored" in f["summary"] for f in ignored)
    assert after_run.code == 0


def test_hung_npu_smi_exits_3_within_the_timeout(cli, tmp_path):
    import time

    spec = replace(hosts.atlas_800i_a2_healthy(), npu_smi_delay_s=600)
    root, env = host(tmp_path, spec)
    started = time.monotonic()
    ran = cli("check", "--root", str(root), "--timeout", "1", environ=env)
    assert time.monotonic() - started < 8
    assert ran.code == 3, ran.out
    assert "undecided" in ran.out and "killed after 1 s" in ran.out


def test_snapshot_round_trip_reaches_the_same_findings(cli, tmp_path):
    for name, spec, extra in [
        ("a2", hosts.atlas_800i_a2_healthy(), ["--devices", "0,1"]),
        ("a3", hosts.atlas_800_a3_busy(), ["--devices", "8,9"]),
        ("alarm", hosts.alarm_chip(), []),
        ("held", hosts.chip_held_elsewhere(), ["--devices", "7"]),
        ("hung", replace(hosts.atlas_800i_a2_healthy(), npu_smi_delay_s=600), ["--timeout", "0.5"]),
    ]:
        root, env = host(tmp_path / name, spec)
        snap = tmp_path / name / "snap"
        collected = cli("collect", "--root", str(root), "-o", str(snap), *extra, environ=env)
        assert collected.code == 0, collected.err
        intent = ["--tp", "1", "--image", IMAGE, "--json"]
        live = json.loads(cli("check", "--root", str(root), *extra, *intent, environ=env).out)
        offline = json.loads(cli("check", "--snapshot", str(snap), *intent, environ={"PATH": "/nonexistent"}).out)
        assert [(f["code"], f["status"], f["summary"]) for f in offline["findings"]] == \
            [(f["code"], f["status"], f["summary"]) for f in live["findings"]], name
        assert offline["source"] == str(snap)


def test_recipe_sets_tp_and_checks_chip_memory(cli, tmp_path):
    root, env = host(tmp_path, hosts.atlas_800i_a2_healthy())     # 910B4: 32 GB per chip
    ran = cli("check", "--root", str(root), "--recipe", "qwen2.5-vl-32b-tp2", "--devices", "0,1", "--json",
              environ=env)
    report = json.loads(ran.out)
    assert report["intent"]["tp"] == 2 and report["intent"]["recipe"] == "qwen2.5-vl-32b-tp2"
    memory = next(f for f in report["findings"] if f["code"] == "DEV007")
    assert memory["status"] == "FAIL" and "64 GiB" in memory["summary"]
    small = json.loads(cli("check", "--root", str(root), "--recipe", "qwen3-vl-4b", "--json", environ=env).out)
    assert next(f for f in small["findings"] if f["code"] == "DEV007")["status"] == "SKIP"


def test_recipe_mistakes_are_usage_errors(cli):
    assert "unknown recipe 'nope'" in cli("check", "--recipe", "nope").err
    ran = cli("check", "--recipe", "qwen2.5-vl-32b-tp2", "--devices", "0")
    assert ran.code == 2 and "needs at least 2 devices" in ran.err
    ran = cli("check", "--recipe", "qwen3-vl-4b", "--devices", "0,1")
    assert ran.code == 2 and "runs on 1 NPU(s)" in ran.err


def test_list_recipes(cli):
    ran = cli("list-recipes")
    assert ran.code == 0 and "qwen2.5-vl-32b-tp2" in ran.out and "TP 2" in ran.out


def test_a_slow_probe_is_named_on_stderr_while_the_check_waits(cli, tmp_path):
    spec = replace(hosts.atlas_800i_a2_healthy(), npu_smi_delay_s=600)
    root, env = host(tmp_path, spec)
    ran = cli("check", "--root", str(root), "--timeout", "4", environ=env)
    assert ran.code == 3
    waits = [line for line in ran.err.splitlines() if "probing the host: waiting" in line]
    assert waits and "of 4 s (still running: " in waits[0] and "npu-smi" in waits[0], ran.err
    assert "probing the host:" in ran.err.splitlines()[-2] and "probes done after" in ran.err
    assert "waiting" not in ran.out                    # progress never reaches the report
