"""The cross-host phase (doctor/fleet/cross_checks.py), on evidence assembled from real captures.

Hosts are built from tests/fixtures samples. Where a test needs a second host that differs (another
address, another switch), the variant is derived here from the real sample, with a comment saying
what was changed; the fixtures themselves are never edited.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doctor.evidence import MISSING, OK, Evidence, Observation
from doctor.evidence_keys import hccn_key, host_ping_key, image_key, npu_ping_key
from doctor.fleet import cross_checks
from doctor.fleet.cross_checks import FLEET_CHECKS, FleetCheck, FleetFinding, HostView, ping_plan, run_fleet_checks
from doctor.parsers.errors import ParseError
from doctor.parsers.hccn import parse_ping_summary

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RUNBOOKS = Path(__file__).resolve().parents[2] / "docs" / "runbooks"
SECTIONS = ("## What it checks", "## Why it matters", "## How it is detected", "## Fix",
            "## False positives", "## References")

DRIVER = "file:/usr/local/Ascend/driver/version.info"
FIRMWARE = "file:/usr/local/Ascend/firmware/version.info"
TOOLKIT = "file:/usr/local/Ascend/ascend-toolkit/latest/aarch64-linux/ascend_toolkit_install.info"
HCCN_CONF = "file:/etc/hccn.conf"

DRIVER_24 = "version-files/mindie-img-driver-version.info-24.1.rc2.2.txt"       # Version=24.1.rc2.2
DRIVER_23 = "version-files/mindcluster-fd-driver-version.info-23.0.7.txt"       # Version=23.0.7
FIRMWARE_71 = "version-files/mindcluster-fd-firmware-version.info-7.1.0.11.220.txt"
TOOLKIT_82 = "version-files/perfdoc-ascend_toolkit_install.info-8.2.RC1.txt"
TOOLKIT_70 = "version-files/mindcluster-fd-ascend_toolkit_install.info-7.0.T10.txt"
CONF_910B1 = "hccn/arthurchiao-910B1-hccn.conf-elided.txt"    # chips 0 and 7: 29.1.137.205, 29.1.170.143 /16
IP_910B1_3 = "hccn/arthurchiao-910B1-ip-i3.txt"                # chip 3: 29.1.112.213 /16
IP_910A_0 = "hccn/mindcluster-fd-910A-ip-i0.txt"              # 192.161.200.10 /24
IP_MASKED = "hccn/mindcluster-doc-ip-masked.txt"              # ipaddr:10.xx.xx.10 (masked by the doc)
PING_910B1 = "hccn/arthurchiao-910B1-ping-i3.txt"              # device 3 PING 29.1.137.205, 3 of 3 answered
TLS_OFF = "hccn/mindcluster-doc-tls-grep-switch.txt"           # dev_id:0, tls switch[0] ...
CHIP_ADDRESSES = ("29.1.137.205", "29.1.112.213", "29.1.170.143")   # chips 0, 3 and 7 of the 910B1 node

# Real iputils `ping` outputs from kellyjonbrazil/jc's test fixtures (MIT), byte for byte.
# tests/fixtures/ubuntu-22.04/ping-ip-source-ip.out @ 2b9b6550a7264fbbae547f71b80170d979cd74af
PING_REACHED = ("PING 10.0.0.1 (10.0.0.1) from 10.0.0.2 eth0: 56(84) bytes of data.\n"
                "64 bytes from 10.0.0.1: icmp_seq=1 ttl=119 time=1.00 ms\n"
                "64 bytes from 10.0.0.1: icmp_seq=2 ttl=119 time=1.00 ms\n"
                "64 bytes from 10.0.0.1: icmp_seq=3 ttl=119 time=1.00 ms\n\n"
                "--- 10.0.0.1 ping statistics ---\n"
                "3 packets transmitted, 3 received, 0% packet loss, time 2000ms\n"
                "rtt min/avg/max/mdev = 1.000/1.000/1.000/1.000 ms")
# tests/fixtures/ubuntu-22.04/ping-dest-unreachable.out @ 3249a017aecc18eeca5a4d36d749744c5b97f06e
PING_UNREACHABLE = ("PING 10.0.3.22 (10.0.3.22) 56(84) bytes of data.\n"
                    "From 10.0.0.1 icmp_seq=1 Destination Host Unreachable\n"
                    "From 10.0.0.1 icmp_seq=2 Destination Host Unreachable\n"
                    "From 10.0.0.1 icmp_seq=3 Destination Host Unreachable\n\n"
                    "--- 10.0.3.22 ping statistics ---\n"
                    "3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2049ms\n"
                    "pipe 3\n")
# tests/fixtures/alpine-linux-3.13/ping-ip.out @ 9b53ba5714819ff760f2d4546f5d2ee4d521c080 (busybox)
PING_BUSYBOX = ("PING 8.8.8.8 (8.8.8.8): 56 data bytes\n64 bytes from 8.8.8.8: seq=0 ttl=42 time=1.637 ms\n\n"
                "--- 8.8.8.8 ping statistics ---\n1 packets transmitted, 1 packets received, 0% packet loss\n"
                "round-trip min/avg/max = 1.637/1.637/1.637 ms\n")
# The identity fields (Id, RepoDigests) of two real `docker inspect` outputs of images, as printed; the rest
# of each object is left out (the doctor reads only these two):
# https://gist.github.com/kaipee/780a9f2710d17a8f9676702347caef9c
IMAGE_A = {"Id": "sha256:cfc17f8cb22d6e17b9a2e88bd1d6c7f9cf5a0fda6bc788e77e3f7ad1d3fdae26",
           "RepoTags": ["registry.com/test-img:v1"],
           "RepoDigests": ["registry.com/test-img@sha256:1ed6da69b82018bee5dfc0ac48b24890cd10044072058e9d97a6327d50be2f73"]}
# https://gist.github.com/b10s/f9216964423626b8999944574b189ae7
IMAGE_B = {"Id": "sha256:2082abcb0e0a78964ad616b21c3b2af7c905dc33ce9d1316f0c7bddef787148e",
           "RepoTags": ["b10s/test:app4"],
           "RepoDigests": ["b10s/test@sha256:ef50faba170ccd35bd5f2b026a888aa7c43ee06373b9837d7f6290d2719851a1"]}
IMAGE = "registry.com/test-img:v1"


def sample(relative: str) -> str:
    return (FIXTURES / relative).read_text()


def observed(key: str, output: str = "", status: str = OK, exit_code: int | None = 0, stderr: str = "") -> Observation:
    kind = "file" if key.startswith("file:") else "json" if key in ("env", "interfaces") else "command"
    return Observation(key, kind, status, output, stderr, exit_code if kind == "command" and status == OK else None)


def host(name: str, outputs: dict[str, str | Observation] | None = None, groups: tuple[str, ...] = ("a2",),
         cluster: str | None = None, offset: float | None = None, uncertainty: float | None = None) -> HostView:
    evidence = Evidence()
    for key, output in (outputs or {}).items():
        evidence.add(output if isinstance(output, Observation) else observed(key, output))
    return HostView(name, groups, cluster, evidence, offset, uncertainty)


def versions(driver: str = DRIVER_24, toolkit: str = TOOLKIT_82) -> dict[str, str]:
    return {DRIVER: sample(driver), FIRMWARE: sample(FIRMWARE_71), TOOLKIT: sample(toolkit)}


def renumbered(text: str, node: int) -> str:
    """The 910B1 node's chip addresses as node N of the same plan has them: the last octet plus N.
    The gateway (29.1.0.1) stays, as it would in a real cluster."""
    for address in CHIP_ADDRESSES:
        head, _, last = address.rpartition(".")
        text = text.replace(address, f"{head}.{int(last) + node}")
    return text


def roce(node: int = 0) -> dict[str, str]:
    """The real 910B1 node's RoCE evidence (chips 0 and 7 in hccn.conf, chip 3 from -ip -g), renumbered."""
    return {HCCN_CONF: renumbered(sample(CONF_910B1), node), hccn_key(3, "-ip"): renumbered(sample(IP_910B1_3), node)}


def chip_address(chip: int, node: int) -> str:
    head, _, last = CHIP_ADDRESSES[(0, 3, 7).index(chip)].rpartition(".")
    return f"{head}.{int(last) + node}"


def npu_ping(device: int, target: str, answered: bool = True) -> str:
    """The real hccn_tool ping, from `device` to `target`; unanswered as the simulated fleet's hccn_tool
    prints it (tests/fleet/support/roce.py): the same header and summary with 0 received, 100% loss."""
    if not answered:
        return f"device {device} PING {target}\n3 packets transmitted, 0 received, 100.00% packet loss\n"
    return re.sub(r"^device \d+ PING \S+", f"device {device} PING {target}", sample(PING_910B1))


def tls(device: int, switch: int) -> str:
    """The real `-tls -g | grep switch` line with its device and switch set (as the simulated fleet does)."""
    line = sample(TLS_OFF).replace("dev_id:0,", f"dev_id:{device},")
    return line.replace("tls switch[0]", f"tls switch[{switch}]")


def only(findings: list[FleetFinding], code: str) -> list[FleetFinding]:
    return [f for f in findings if f.code == code]


def run(code: str, hosts: list[HostView]) -> list[FleetFinding]:
    check = next(c for c in FLEET_CHECKS if c.code == code)
    found = check.run(hosts)
    assert found and all(f.code == code for f in found)
    return found


def single(code: str, hosts: list[HostView]) -> FleetFinding:
    found = run(code, hosts)
    assert len(found) == 1, found
    return found[0]


# -- the interface --------------------------------------------------------------------------


def test_catalog_has_each_code_once_with_a_kebab_case_name():
    codes = [c.code for c in FLEET_CHECKS]
    assert codes == [f"FLEET00{n}" for n in range(1, 8)]
    assert all(isinstance(c, FleetCheck) and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", c.name) for c in FLEET_CHECKS)


def test_finding_as_json():
    finding = FleetFinding("FLEET001", "version-skew", "FAIL", "s", "e", "f", ("h1", "h2"))
    assert finding.to_dict() == {"code": "FLEET001", "name": "version-skew", "phase": "fleet", "status": "FAIL",
                                 "summary": "s", "evidence": "e", "fix": "f", "hosts": ["h1", "h2"]}
    json.dumps(finding.to_dict())


def test_every_check_says_something_even_with_nothing_to_compare():
    found = run_fleet_checks([host("lonely", versions())])
    assert [f.code for f in found] == [c.code for c in FLEET_CHECKS]
    assert all(f.status == "SKIP" and f.summary for f in found)


def test_a_crashing_check_is_one_error_and_the_others_still_run(monkeypatch):
    def broken(hosts):
        raise KeyError("boom")

    monkeypatch.setattr(cross_checks, "FLEET_CHECKS", (FleetCheck("FLEET999", "broken-check", "t", broken),
                                                       *FLEET_CHECKS[:1]))
    found = run_fleet_checks([host("a", versions()), host("b", versions())])
    assert found[0].status == "ERROR" and "KeyError" in found[0].summary and "boom" in found[0].evidence
    assert found[1].code == "FLEET001" and found[1].status == "PASS"


# -- FLEET001 version-skew ------------------------------------------------------------------


def test_versions_that_agree_pass():
    hosts = [host(f"h{n}", versions(), cluster="c1") for n in range(3)]
    finding = single("FLEET001", hosts)
    assert finding.status == "PASS" and "driver, firmware, CANN" in finding.summary and "3 hosts" in finding.summary
    assert finding.hosts == ("h0", "h1", "h2")


def test_a_host_left_behind_in_a_cluster_fails_for_driver_and_cann():
    hosts = [host("h1", versions(), cluster="c1"), host("h2", versions(), cluster="c1"),
             host("h3", versions(DRIVER_23, TOOLKIT_70), cluster="c1")]
    found = run("FLEET001", hosts)
    assert [(f.status, f.hosts) for f in found] == [("FAIL", ("h3",)), ("FAIL", ("h3",))]
    driver, cann = found
    assert driver.summary == "cluster c1: driver 24.1.rc2.2 on h1, h2, 23.0.7 on h3"
    assert driver.evidence.splitlines() == ["driver 24.1.rc2.2: h1, h2", "driver 23.0.7: h3"]   # majority first
    assert "CANN 8.2.RC1" in cann.summary and "7.0.T10 on h3" in cann.summary
    assert "version.info" in driver.fix


def test_a_difference_inside_a_plain_group_only_warns():
    hosts = [host("h1", versions()), host("h2", versions(DRIVER_23))]
    finding = single("FLEET001", hosts)
    assert finding.status == "WARN" and finding.summary.startswith("group a2: driver")
    assert "on purpose" in finding.summary


def test_many_hosts_with_one_outlier_are_one_finding():
    hosts = [host(f"h{n:02d}", versions()) for n in range(1, 7)] + [host("h07", versions(DRIVER_23))]
    finding = single("FLEET001", hosts)
    assert finding.summary == "group a2: driver 24.1.rc2.2 on 6 hosts, 23.0.7 on h07 (a group may mix them on purpose)"
    assert finding.hosts == ("h07",)


def test_the_same_difference_is_reported_once_across_clusters_and_groups():
    # c1 has exactly the hosts of groups "a2" and "rack1": one comparison. "dc" holds more hosts, but the
    # odd one out is the same host with the same version, so its WARN repeats the cluster's FAIL.
    groups = ("a2", "rack1", "dc")
    hosts = [host("h1", versions(), groups, "c1"), host("h2", versions(), groups, "c1"),
             host("h3", versions(DRIVER_23), groups, "c1"), host("h4", versions(), ("dc",))]
    finding = single("FLEET001", hosts)
    assert finding.status == "FAIL" and finding.summary.startswith("cluster c1:") and finding.hosts == ("h3",)


def test_image_identity_is_compared():
    same = json.dumps(IMAGE_A)
    rebuilt = json.dumps({**IMAGE_A, "Id": IMAGE_B["Id"], "RepoDigests": IMAGE_B["RepoDigests"]})  # tag rebuilt
    hosts = [host("h1", {image_key(IMAGE): same}, cluster="c1"), host("h2", {image_key(IMAGE): same}, cluster="c1"),
             host("h3", {image_key(IMAGE): rebuilt}, cluster="c1")]
    finding = single("FLEET001", hosts)
    assert finding.status == "FAIL" and "image sha256:cfc17f8cb22d on h1, h2, sha256:2082abcb0e0a on h3" in finding.summary
    assert single("FLEET001", hosts[:2]).status == "PASS"


def test_an_image_not_pulled_yet_is_not_compared():
    absent = observed(image_key(IMAGE), "", exit_code=1, stderr=f"Error: No such image: {IMAGE}\n")
    hosts = [host("h1", {image_key(IMAGE): json.dumps(IMAGE_A)}), host("h2", {image_key(IMAGE): absent})]
    assert single("FLEET001", hosts).status == "SKIP"


@pytest.mark.parametrize("hosts, reason", [
    ([host("h1", versions())], "only one host"),
    ([host("h1", versions(), ("x",)), host("h2", versions(), ("y",))], "no cluster or inventory group"),
    ([host("h1", versions(), ("ungrouped",)), host("h2", versions(), ("ungrouped",))], "no cluster or inventory group"),
    ([host("h1"), host("h2")], "no two hosts"),
])
def test_version_skew_skips_with_the_reason(hosts, reason):
    finding = single("FLEET001", hosts)
    assert finding.status == "SKIP" and reason in finding.summary


def test_an_unreadable_version_file_is_an_error_for_that_host_only():
    # The real driver file cut after its first three characters, as a read stopped short would leave it.
    cut = {**versions(), DRIVER: sample(DRIVER_24)[:3]}
    found = run("FLEET001", [host("h1", versions(), cluster="c1"), host("h2", cut, cluster="c1"),
                             host("h3", versions(), cluster="c1")])
    assert [f.status for f in found] == ["ERROR"]
    assert found[0].hosts == ("h2",) and "version file" in found[0].evidence
    # firmware and CANN were still compared: a CANN skew shows beside the error
    found = run("FLEET001", [host("h1", versions(), cluster="c1"), host("h2", {**cut, TOOLKIT: sample(TOOLKIT_70)},
                                                                         cluster="c1")])
    assert [f.status for f in found] == ["FAIL", "ERROR"] and "CANN" in found[0].summary


# -- FLEET002 roce-address-duplicate --------------------------------------------------------


def test_unique_chip_addresses_pass():
    finding = single("FLEET002", [host("a", roce(0)), host("b", roce(1)), host("duo")])
    assert finding.status == "PASS" and "3 chip" not in finding.summary and "6 chip" in finding.summary
    assert finding.hosts == ("a", "b")


def test_a_copied_hccn_conf_duplicates_addresses_in_one_finding():
    # b was set up from a's files: every chip address is a's.
    finding = single("FLEET002", [host("a", roce(0)), host("b", roce(0)), host("c", roce(2))])
    assert finding.status == "FAIL" and finding.hosts == ("a", "b")
    assert finding.summary.startswith("3 RoCE addresses are each on more than one chip")
    assert "29.1.112.213: a:3 (hccn_tool -ip), b:3 (hccn_tool -ip)" in finding.evidence
    assert "29.1.137.205: a:0 (/etc/hccn.conf), b:0 (/etc/hccn.conf)" in finding.evidence


def test_one_duplicate_names_both_chips():
    # b's chip 3 was given a's chip 0 address.
    b = {**roce(1), hccn_key(3, "-ip"): sample(IP_910B1_3).replace("29.1.112.213", "29.1.137.205")}
    finding = single("FLEET002", [host("a", roce(0)), host("b", b)])
    assert finding.status == "FAIL" and finding.summary == "RoCE address 29.1.137.205 is on a:0 and b:3"


@pytest.mark.parametrize("hosts, reason", [
    ([host("a", roce(0))], "only one host"),
    ([host("duo1"), host("duo2", {HCCN_CONF: observed(HCCN_CONF, status=MISSING)})], "no hccn_tool evidence"),
])
def test_address_duplicates_skip_with_the_reason(hosts, reason):
    finding = single("FLEET002", hosts)
    assert finding.status == "SKIP" and reason in finding.summary


def test_a_masked_or_garbled_address_is_an_error():
    masked = {hccn_key(0, "-ip"): sample(IP_MASKED)}
    garbled = {hccn_key(0, "-ip"): "hccn_tool: \x1b[31msegmentation fault\n"}
    found = run("FLEET002", [host("a", roce(0)), host("b", masked), host("c", garbled)])
    assert [f.status for f in found] == ["ERROR"] and found[0].hosts == ("b", "c")
    assert "10.xx.xx.10" in found[0].evidence and "segmentation fault" in found[0].evidence


# -- FLEET003 roce-plan-inconsistent --------------------------------------------------------


def test_a_consistent_plan_passes():
    finding = single("FLEET003", [host("a", roce(0), cluster="c1"), host("b", roce(1), cluster="c1")])
    assert finding.status == "PASS" and "2 hosts, 6 chips in cluster c1" in finding.summary


def test_hccn_conf_that_disagrees_with_the_chip_fails():
    # a's chip 0 answers with the 910A capture's address while hccn.conf still names 29.1.137.205.
    a = {**roce(0), hccn_key(0, "-ip"): sample(IP_910A_0)}
    found = run("FLEET003", [host("a", a, cluster="c1"), host("b", roce(1), cluster="c1")])
    conf = next(f for f in found if "hccn.conf differs" in f.summary)
    assert conf.status == "FAIL" and conf.hosts == ("a",)
    assert "a:0: hccn_tool -ip reports 192.161.200.10 netmask 255.255.255.0, /etc/hccn.conf has 29.1.137.205" \
        in conf.evidence


def test_peer_chips_in_different_subnets_fail():
    # b's chip 3 has the 910A capture's address (another subnet); b's hccn.conf does not list chip 3.
    b = {**roce(1), hccn_key(3, "-ip"): sample(IP_910A_0)}
    finding = single("FLEET003", [host("a", roce(0), cluster="c1"), host("b", b, cluster="c1")])
    assert finding.status == "FAIL" and finding.hosts == ("a", "b")
    assert "cluster c1: 1 pair(s) of peer chips are not in one subnet" in finding.summary
    assert finding.evidence == "a:3 29.1.112.213/16 and b:3 192.161.200.10/24"


def test_a_stand_in_peer_is_not_a_subnet_split():
    # b reports only chip 3, with the 910A capture's address: only a:3 and b:3 are peers; a's chips 0 and 7
    # ping b:3 as a stand-in (ping_plan), but are not expected to share its subnet.
    b = {hccn_key(3, "-ip"): sample(IP_910A_0)}
    finding = single("FLEET003", [host("a", roce(0), cluster="c1"), host("b", b, cluster="c1")])
    assert finding.status == "FAIL" and finding.evidence == "a:3 29.1.112.213/16 and b:3 192.161.200.10/24"


def test_a_different_gateway_in_one_subnet_warns():
    # b's chip 0 points at another gateway of the same subnet.
    b = {**roce(1), HCCN_CONF: roce(1)[HCCN_CONF].replace("gateway_0=29.1.0.1", "gateway_0=29.1.0.254")}
    hosts = [host(name, roce(n), cluster="c1") for n, name in enumerate(("a", "c", "d"))] + [host("b", b, cluster="c1")]
    finding = single("FLEET003", hosts)
    assert finding.status == "WARN" and finding.hosts == ("b",)
    assert "subnet 29.1.0.0/16 gateway 29.1.0.1 on 7 chips, 29.1.0.254 on b:0" in finding.summary


@pytest.mark.parametrize("hosts, reason", [
    ([host("a", roce(0)), host("b", roce(1))], "no cluster"),
    ([host("a", roce(0), cluster="c1")], "no cluster"),
    ([host("a", cluster="c1"), host("b", cluster="c1")], "no hccn_tool evidence"),
])
def test_roce_plan_skips_with_the_reason(hosts, reason):
    finding = single("FLEET003", hosts)
    assert finding.status == "SKIP" and reason in finding.summary


def test_garbled_ip_output_is_an_error():
    b = {**roce(1), hccn_key(3, "-ip"): "hccn_tool: \x1b[31msegmentation fault\n"}
    found = run("FLEET003", [host("a", roce(0), cluster="c1"), host("b", b, cluster="c1")])
    assert [f.status for f in found] == ["ERROR"] and found[0].hosts == ("b",)


# -- FLEET004 tls-switch-mismatch -----------------------------------------------------------


def tls_evidence(*switches: int) -> dict[str, str]:
    return {hccn_key(device, "-tls"): tls(device, switch) for device, switch in enumerate(switches)}


def test_the_same_tls_switch_passes():
    finding = single("FLEET004", [host("a", tls_evidence(0, 0), cluster="c1"), host("b", tls_evidence(0, 0), cluster="c1")])
    assert finding.status == "PASS" and "2 hosts" in finding.summary


def test_tls_on_one_node_of_a_cluster_fails():
    hosts = [host("a", tls_evidence(0, 0), cluster="c1"), host("b", tls_evidence(0, 0), cluster="c1"),
             host("c", tls_evidence(1, 1), cluster="c1")]
    finding = single("FLEET004", hosts)
    assert finding.status == "FAIL" and finding.hosts == ("c",)
    assert finding.summary == "cluster c1: TLS switch disabled on a, b, enabled on c"


def test_tls_mixed_inside_a_host_and_in_a_group_warns():
    finding = single("FLEET004", [host("a", tls_evidence(0, 0)), host("b", tls_evidence(0, 1))])
    assert finding.status == "WARN" and "enabled on chips 1 and disabled on 0 on b" in finding.summary


@pytest.mark.parametrize("hosts, reason", [
    ([host("a", tls_evidence(0))], "only one host"),
    ([host("a", roce(0)), host("b", roce(1))], "no hccn_tool -tls evidence"),
])
def test_tls_switch_skips_with_the_reason(hosts, reason):
    finding = single("FLEET004", hosts)
    assert finding.status == "SKIP" and reason in finding.summary


def test_garbled_tls_output_is_an_error():
    garbled = {hccn_key(0, "-tls"): sample(TLS_OFF)[:20]}   # the real line cut short
    found = run("FLEET004", [host("a", tls_evidence(0)), host("b", garbled), host("c", tls_evidence(0))])
    assert [f.status for f in found] == ["ERROR"] and found[0].hosts == ("b",)


# -- ping_plan and FLEET005 npu-peer-unreachable ---------------------------------------------


def cluster_of_two(answered: bool = True, **extra) -> list[HostView]:
    """Nodes a and b of the renumbered 910B1 plan, with the second round's pings in their evidence."""
    hosts = []
    for node, (name, peer) in enumerate((("a", 1), ("b", 0))):
        pings = {npu_ping_key(chip, chip_address(chip, peer)): npu_ping(chip, chip_address(chip, peer), answered)
                 for chip in (0, 3, 7)}
        hosts.append(host(name, {**roce(node), **pings, **extra.get(name, {})}, cluster="c1"))
    return hosts


def test_ping_plan_pairs_each_chip_with_its_peer_and_leaves_other_hosts_out():
    env = {"env": json.dumps({"HCCL_IF_IP": "10.0.0.2"})}
    hosts = [host("a", roce(0), cluster="c1"), host("b", {**roce(1), **env}, cluster="c1"),
             host("solo", roce(5)), host("alone", roce(6), cluster="c2")]
    plan = ping_plan(hosts)
    assert set(plan) == {"a", "b"}
    assert plan["a"] == {"npu_pings": [(0, "29.1.137.206"), (3, "29.1.112.214"), (7, "29.1.170.144")],
                         "host_pings": ["10.0.0.2"]}
    assert plan["b"] == {"npu_pings": [(0, "29.1.137.205"), (3, "29.1.112.213"), (7, "29.1.170.143")],
                         "host_pings": []}


def test_ping_plan_falls_back_to_the_peers_first_chip():
    # b reports only chip 3 (no hccn.conf): a's chips 0 and 7 ping it too.
    b = {hccn_key(3, "-ip"): renumbered(sample(IP_910B1_3), 1)}
    plan = ping_plan([host("a", roce(0), cluster="c1"), host("b", b, cluster="c1")])
    assert plan["a"]["npu_pings"] == [(0, "29.1.112.214"), (3, "29.1.112.214"), (7, "29.1.112.214")]
    assert plan["b"]["npu_pings"] == [(3, "29.1.112.213")]


def test_every_peer_answering_passes():
    finding = single("FLEET005", cluster_of_two())
    assert finding.status == "PASS" and "6 pings in cluster c1" in finding.summary


def test_a_chip_that_cannot_reach_its_peer_fails():
    hosts = cluster_of_two(b={npu_ping_key(3, "29.1.112.213"): npu_ping(3, "29.1.112.213", answered=False)})
    finding = single("FLEET005", hosts)
    assert finding.status == "FAIL" and finding.hosts == ("b", "a")
    assert finding.summary == "1 chip(s) cannot reach their peer over RoCE: b:3 -> a:3 29.1.112.213: 0 of 3 answered"


def test_a_failing_ping_command_fails():
    failed = observed(npu_ping_key(0, "29.1.137.206"), "", exit_code=1, stderr="")
    finding = single("FLEET005", cluster_of_two(a={failed.key: failed}))
    assert finding.status == "FAIL" and "a:0 -> b:0 29.1.137.206: failed (exit 1)" in finding.summary


def test_a_ping_that_loses_some_packets_warns():
    # The real capture with its last reply dropped and the summary saying so.
    lossy = npu_ping(7, "29.1.170.143").replace("recv seq=2,time=0.040000ms\n", "").replace(
        "3 received, 0.00% packet loss", "2 received, 33.33% packet loss")
    finding = single("FLEET005", cluster_of_two(b={npu_ping_key(7, "29.1.170.143"): lossy}))
    assert finding.status == "WARN" and finding.summary == "1 chip ping(s) lost packets: b:7 -> a:7 29.1.170.143: 2 of 3 answered"


def test_many_unanswered_pings_are_one_finding():
    finding = single("FLEET005", cluster_of_two(answered=False))
    assert finding.status == "FAIL" and finding.summary.startswith("6 chip(s) cannot reach") and "3 more" in finding.summary
    assert len(finding.evidence.splitlines()) == 6


@pytest.mark.parametrize("hosts, reason", [
    ([host("a", roce(0)), host("b", roce(1))], "no cluster"),
    ([host("a", cluster="c1"), host("b", cluster="c1")], "no hccn_tool evidence"),
    ([host("a", roce(0), cluster="c1"), host("b", roce(1), cluster="c1")], "no ping evidence"),
])
def test_npu_peers_skip_with_the_reason(hosts, reason):
    finding = single("FLEET005", hosts)
    assert finding.status == "SKIP" and reason in finding.summary


def test_garbled_ping_output_is_an_error():
    garbled = {npu_ping_key(7, "29.1.170.144"): "hccn_tool: \x1b[31msegmentation fault\n"}
    found = run("FLEET005", cluster_of_two(a=garbled))
    assert [f.status for f in found] == ["ERROR"] and found[0].hosts == ("a",)
    assert "segmentation fault" in found[0].evidence


# -- FLEET006 hccl-interface-unreachable ----------------------------------------------------


def hccl_host(name: str, address: str, pings: dict[str, str], cluster: str | None = "c1") -> HostView:
    interfaces = {"lo": {"up": True, "ipv4": ["127.0.0.1"], "ipv6": ["::1"]},
                  "eth0": {"up": True, "ipv4": [address], "ipv6": []}}
    outputs = {"env": json.dumps({"HCCL_IF_IP": address}), "interfaces": json.dumps(interfaces)}
    return host(name, {**outputs, **{host_ping_key(a): out for a, out in pings.items()}}, cluster=cluster)


# b's ping of a: the real capture with its two addresses swapped.
PING_REACHED_BACK = PING_REACHED.replace("10.0.0.1", "10.0.0.x").replace("10.0.0.2", "10.0.0.1").replace("10.0.0.x",
                                                                                                         "10.0.0.2")


def test_hccl_addresses_that_are_local_and_answer_pass():
    hosts = [hccl_host("a", "10.0.0.2", {"10.0.0.1": PING_REACHED}),
             hccl_host("b", "10.0.0.1", {"10.0.0.2": PING_REACHED_BACK})]
    finding = single("FLEET006", hosts)
    assert finding.status == "PASS" and "a, b" in finding.summary and "2 pings" in finding.summary


def test_an_hccl_address_the_peer_cannot_reach_fails():
    # b (10.0.0.1) pings a's 10.0.3.22: the real "Destination Host Unreachable" capture, sent from 10.0.0.1.
    hosts = [hccl_host("a", "10.0.3.22", {"10.0.0.1": PING_REACHED}),
             hccl_host("b", "10.0.0.1", {"10.0.3.22": PING_UNREACHABLE})]
    finding = single("FLEET006", hosts)
    assert finding.status == "FAIL" and set(finding.hosts) == {"a", "b"}
    assert "b -> a HCCL_IF_IP 10.0.3.22: 0 of 3 answered" in finding.summary


def test_an_hccl_address_of_another_host_fails():
    a = hccl_host("a", "10.0.0.2", {"10.0.0.1": PING_REACHED})
    a.evidence.add(observed("env", json.dumps({"HCCL_IF_IP": "10.0.0.1"})))   # b's address, copied by mistake
    found = run("FLEET006", [a, hccl_host("b", "10.0.0.1", {})])
    assert found[0].status == "FAIL" and found[0].hosts == ("a",)
    assert "a: HCCL_IF_IP=10.0.0.1 is on none of its interfaces" in found[0].evidence


@pytest.mark.parametrize("hosts, reason", [
    ([hccl_host("a", "10.0.0.2", {}, None), hccl_host("b", "10.0.0.1", {}, None)], "no cluster"),
    ([host("a", roce(0), cluster="c1"), host("b", roce(1), cluster="c1")], "HCCL_IF_IP is not set"),
])
def test_hccl_interfaces_skip_with_the_reason(hosts, reason):
    finding = single("FLEET006", hosts)
    assert finding.status == "SKIP" and reason in finding.summary


def test_unreadable_ping_output_is_an_error():
    # The real capture cut before its summary line, as a collector stopped mid-read would leave it.
    cut = PING_REACHED.split("\n\n")[0]
    found = run("FLEET006", [hccl_host("a", "10.0.0.2", {"10.0.0.1": cut}),
                             hccl_host("b", "10.0.0.1", {"10.0.0.2": PING_REACHED_BACK})])
    assert [f.status for f in found] == ["ERROR"] and found[0].hosts == ("a",)


# -- FLEET007 clock-skew --------------------------------------------------------------------


def test_clocks_within_a_second_pass():
    finding = single("FLEET007", [host("a", offset=0.2, uncertainty=0.05), host("b", offset=-1.5, uncertainty=0.8),
                                  host("c")])
    assert finding.status == "PASS" and "2 hosts" in finding.summary and finding.hosts == ("a", "b")


def test_clock_offsets_warn_and_fail_each_as_one_finding():
    hosts = [host("a", offset=0.1, uncertainty=0.1), host("b", offset=4.0, uncertainty=0.1),
             host("c", offset=-7.25, uncertainty=0.5), host("d", offset=125.0, uncertainty=0.2)]
    failed, warned = run("FLEET007", hosts)
    assert (failed.status, failed.hosts) == ("FAIL", ("d",))
    assert "d is 125.0 s ahead of the controller's clock" in failed.summary
    assert (warned.status, warned.hosts) == ("WARN", ("b", "c"))
    assert "c is 7.2 s behind the controller's clock (± 0.5 s)" in warned.summary


def test_clock_skew_skips_without_offsets():
    finding = single("FLEET007", [host("a"), host("b", offset=float("nan"))])
    assert finding.status == "SKIP" and "offset" in finding.summary


# -- the ping summary parser ----------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    (sample(PING_910B1), (3, 3, 0.0)),
    (PING_REACHED, (3, 3, 0.0)),
    (PING_UNREACHABLE, (3, 0, 100.0)),
    (PING_BUSYBOX, (1, 1, 0.0)),
])
def test_ping_summaries_of_real_outputs(text, expected):
    summary = parse_ping_summary(text)
    assert (summary.transmitted, summary.received, summary.loss_percent) == expected


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_ping_summary_raises_only_parse_errors(text):
    try:
        parse_ping_summary(text)
    except ParseError:
        pass
