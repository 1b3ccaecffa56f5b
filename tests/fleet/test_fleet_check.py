"""`ascend-doctor fleet check` over real SSH against the simulated fleet (tests/fleet/support/fleets.py)."""

from __future__ import annotations

import json

import pytest

from tests.fleet.support import fleets
from tests.hostile.harness import assert_sane, doctor

FLEET_TIMEOUT = "12"      # seconds per host: the hung npu-smi is cut at 6 s by the probe deadline


def fleet_args(fleet, *more: str) -> list[str]:
    return ["-i", str(fleet.inventory), "--ssh-config", str(fleet.ssh_config), "--known-hosts",
            str(fleet.known_hosts), "--timeout", FLEET_TIMEOUT, *more]


@pytest.fixture(scope="module")
def checked(fleet):
    ran = doctor("fleet", "check", *fleet_args(fleet, "--json"), env={"HOME": "/nonexistent"}, timeout=120)
    assert_sane(ran, 1, seconds=60, memory_mb=200)
    report = json.loads(ran.out)
    return ran, report, {h["name"]: h for h in report["hosts"]}


def findings(host: dict) -> dict:
    return {f["code"]: f for f in host["report"]["findings"]}


def fleet_finding(report: dict, code: str) -> list[dict]:
    return [f for f in report["fleet_findings"] if f["code"] == code]


def test_the_report_follows_its_schema(checked):
    _, report, hosts = checked
    assert report["schema"] == "ascend-doctor-fleet/1" and report["exit_code"] == 1
    for host in report["hosts"]:
        assert set(host) == {"name", "reachable", "error", "report"}
        assert host["reachable"] == (host["report"] is not None) == (host["error"] is None)


@pytest.mark.parametrize("name", ["a2-healthy", "a2-ops", "a3-busy", "duo", "driver-skew", "bastion",
                                  "hidden-1", "hidden-2", "c1-a", "c1-b", "c1-c"])
def test_every_reachable_host_is_checked(checked, name):
    host = checked[2][name]
    assert host["reachable"], host["error"]
    assert host["report"]["schema"] == "ascend-doctor-report/1"


@pytest.mark.parametrize("name, reason", [
    ("no-python", "python3 on the host"),
    ("down", "cannot reach"),
    ("rekeyed", "host key CHANGED"),
])
def test_a_host_that_cannot_answer_says_why_in_one_line(checked, name, reason):
    host = checked[2][name]
    assert not host["reachable"] and reason in host["error"] and "\n" not in host["error"]


def test_a_hung_npu_smi_is_undecided_and_holds_no_one_else(checked):
    host = checked[2]["smi-hung"]
    assert host["reachable"] and findings(host)["DEV003"]["status"] == "ERROR"


def test_chips_held_by_others_fail_on_that_host_only(checked):
    hosts = checked[2]
    assert findings(hosts["a3-busy"])["DEV006"]["status"] == "FAIL"
    assert findings(hosts["a2-healthy"])["DEV006"]["status"] == "PASS"


def test_a_sudo_user_collects_as_root(fleet, tmp_path):
    ran = doctor("fleet", "collect", *fleet_args(fleet, "--limit", "a2-ops:hidden-2", "-o", str(tmp_path / "s")),
                 timeout=60)
    assert_sane(ran, 0, seconds=40)
    index = json.loads((tmp_path / "s" / "fleet.json").read_text())
    for entry in index["hosts"]:
        manifest = json.loads((tmp_path / "s" / entry["directory"] / "manifest.json").read_text())
        assert entry["target"]["user"] == "ops" and manifest["meta"]["user"] == "root"


def test_driver_skew_is_one_finding_naming_the_odd_host(checked):
    skew = fleet_finding(checked[1], "FLEET001")
    flagged = [f for f in skew if "driver-skew" in f["hosts"] and f["status"] in ("WARN", "FAIL")]
    assert flagged and "23.0.7" in flagged[0]["evidence"]


def test_the_cluster_faults_are_found(checked):
    report = checked[1]
    duplicate = [f for f in fleet_finding(report, "FLEET002") if f["status"] == "FAIL"]
    assert duplicate and {"c1-a", "c1-c"} <= set(duplicate[0]["hosts"])
    assert fleets.SHARED_DEVICE_IP in duplicate[0]["summary"] + duplicate[0]["evidence"]
    tls = [f for f in fleet_finding(report, "FLEET004") if f["status"] == "FAIL"]
    assert tls and "c1-b" in tls[0]["hosts"]
    unreachable = [f for f in fleet_finding(report, "FLEET005") if f["status"] == "FAIL"]
    assert unreachable and "c1-c" in unreachable[0]["hosts"]
    hccl = [f for f in fleet_finding(report, "FLEET006") if f["status"] == "FAIL"]
    assert hccl and "c1-c" in hccl[0]["hosts"] and fleets.WRONG_HCCL_IF_IP in hccl[0]["summary"] + hccl[0]["evidence"]


def test_clocks_are_compared(checked):
    clock = fleet_finding(checked[1], "FLEET007")
    assert clock and clock[0]["status"] == "PASS"


def test_the_human_report_groups_each_fault_once(fleet):
    ran = doctor("fleet", "check", *fleet_args(fleet), timeout=120)
    assert_sane(ran, 1, seconds=60, memory_mb=200)
    assert ran.out.count("FAIL DEV006 chips-busy") == 1
    assert "UNREACHABLE" in ran.out and "rekeyed" in ran.out
    assert "not ready:" in ran.out.splitlines()[-1]


def test_collected_snapshots_replay_to_the_same_report(fleet, tmp_path):
    collected = doctor("fleet", "collect", *fleet_args(fleet, "-o", str(tmp_path / "fleet")), timeout=120)
    assert_sane(collected, 3, seconds=60, memory_mb=200)
    replayed = doctor("fleet", "check", "--snapshots", str(tmp_path / "fleet"), "--json", timeout=60)
    assert_sane(replayed, 1, seconds=30, memory_mb=200)
    live = doctor("fleet", "check", *fleet_args(fleet, "--json"), timeout=120)
    codes = [{h["name"]: {f["code"]: f["status"] for f in h["report"]["findings"]} if h["report"] else h["error"]
              for h in json.loads(r.out)["hosts"]} for r in (replayed, live)]
    assert codes[0] == codes[1]


def test_an_unknown_host_key_is_refused_unless_accepted(fleet, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    args = ["-i", str(fleet.inventory), "--known-hosts", str(empty), "--limit", "a2-healthy", "--json"]
    refused = doctor("fleet", "check", *args, timeout=60)
    assert_sane(refused, 3, seconds=30)
    assert "not in known_hosts" in json.loads(refused.out)["hosts"][0]["error"]
    accepted = doctor("fleet", "check", *args, "--accept-new-host-keys", timeout=60)
    assert_sane(accepted, 0, seconds=30)
    assert fleet["a2-healthy"].address in empty.read_text()


def test_ctrl_c_ends_within_a_second_and_prints_what_was_gathered(fleet):
    import signal
    import subprocess
    import sys
    import time

    from tests.hostile.harness import REPO

    argv = [sys.executable, "-m", "doctor", "fleet", "check", *fleet_args(fleet, "--json"),
            "--limit", "a2-healthy:smi-hung", "--timeout", "60"]
    proc = subprocess.Popen(argv, cwd=str(REPO), env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    time.sleep(4)          # a2-healthy has answered; smi-hung's npu-smi holds it for 10 s more
    interrupted = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=15)
    assert time.monotonic() - interrupted < 1.0
    assert proc.returncode == 130 and b"Traceback" not in err
    hosts = {h["name"]: h for h in json.loads(out)["hosts"]}
    assert hosts["a2-healthy"]["reachable"]
    assert "interrupted" in hosts["smi-hung"]["error"]


def test_thirty_two_healthy_hosts_all_answer(fleet, tmp_path):
    """Last in this module: it stops the shared fleet for one of 32 hosts, then starts it again."""
    from tests.fleet.support.sshhosts import Fleet, standard_hosts

    fleet.stop()
    try:
        with Fleet(standard_hosts(32), tmp_path / "fleet32") as big:
            ran = doctor("fleet", "check", *fleet_args(big, "--json"), timeout=180)
    finally:
        fleet.start()
    assert_sane(ran, 0, seconds=90, memory_mb=250)
    report = json.loads(ran.out)
    assert len(report["hosts"]) == 32 and all(h["reachable"] for h in report["hosts"])
    assert all(h["report"]["exit_code"] == 0 for h in report["hosts"])
