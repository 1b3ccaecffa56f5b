"""NET checks over simulated hosts."""

from dataclasses import replace

import psutil

from doctor.model import Intent
from tests.support import hosts
from tests.support.doctor_run import findings_for

TP2 = Intent(devices=(0, 1), tp=2)


def test_network_checks_only_apply_to_tensor_parallel(tmp_path):
    found = findings_for(tmp_path, hosts.atlas_800i_a2_healthy(), Intent(devices=(0,)))
    for code in ("NET001", "NET003", "NET004"):
        assert found[code].status == "SKIP" and "tensor parallel" in found[code].summary


def test_links_up_and_healthy_pass(tmp_path):
    found = findings_for(tmp_path, hosts.atlas_800i_a2_healthy(), TP2)
    assert (found["NET001"].status, found["NET003"].status, found["NET004"].status) == ("PASS", "PASS", "PASS")


def test_net_health_fault_fails_on_the_chip_in_use(tmp_path):
    spec = hosts.atlas_800i_a2_healthy()
    spec.hccn.update(hosts.hccn_replies([1], health="hccn/mindcluster-doc-net_health-fault.txt"))
    found = findings_for(tmp_path, spec, TP2)
    assert found["NET004"].status == "FAIL" and "device(s) 1" in found["NET004"].summary
    assert "Fault" in found["NET004"].evidence


def test_link_down_fails(tmp_path):
    # The corpus has only an UP sample of `-link -g`; this is its line with the state a down port reports.
    down = tmp_path / "link-down.txt"
    down.write_text("link status: DOWN\n")
    spec = hosts.atlas_800i_a2_healthy()
    spec.hccn.update(hosts.hccn_replies([0], link=str(down)))
    found = findings_for(tmp_path / "host", spec, TP2)
    assert found["NET003"].status == "FAIL" and "device(s) 0" in found["NET003"].summary


def test_unreadable_hccn_output_is_an_error_with_the_excerpt(tmp_path):
    garbled = tmp_path / "garbled.txt"
    garbled.write_text("hccn_tool: \x1b[31msegmentation fault\n")
    spec = hosts.atlas_800i_a2_healthy()
    spec.hccn.update(hosts.hccn_replies([1], link=str(garbled)))
    found = findings_for(tmp_path / "host", spec, TP2)
    assert found["NET003"].status == "ERROR" and "segmentation fault" in found["NET003"].evidence


def test_socket_failed_net_health(tmp_path):
    spec = hosts.atlas_800i_a2_healthy()
    spec.hccn.update(hosts.hccn_replies([0], health="hccn/mindcluster-fd-910A-net_health-i0-socket-failed.txt"))
    found = findings_for(tmp_path, spec, TP2)
    assert found["NET004"].status == "FAIL" and "Socket failed" in found["NET004"].evidence


def test_no_hccn_tool_is_skipped_with_the_reason(tmp_path):
    found = findings_for(tmp_path, replace(hosts.atlas_800i_a2_healthy(), hccn={}), TP2)
    assert found["NET003"].status == "SKIP" and "hccn_tool not found" in found["NET003"].summary


def test_expansion_mode_unset_or_unknown_warns(tmp_path):
    spec = hosts.atlas_800i_a2_healthy()
    del spec.env["HCCL_OP_EXPANSION_MODE"]
    assert findings_for(tmp_path / "a", spec, TP2)["NET001"].status == "WARN"
    spec.env["HCCL_OP_EXPANSION_MODE"] = "FAST"
    unknown = findings_for(tmp_path / "b", spec, TP2)["NET001"]
    assert unknown.status == "WARN" and "ignores it" in unknown.summary
    spec.env["HCCL_OP_EXPANSION_MODE"] = "HOST_TS"
    assert findings_for(tmp_path / "c", spec, TP2)["NET001"].status == "PASS"


def test_interface_names_and_addresses_are_checked_against_this_host(tmp_path):
    real = next(iter(psutil.net_if_addrs()))
    spec = hosts.atlas_800i_a2_healthy()
    spec.env.update(HCCL_SOCKET_IFNAME="nosuchnic0", GLOO_SOCKET_IFNAME=f"={real}", HCCL_IF_IP="203.0.113.77")
    found = findings_for(tmp_path / "bad", spec)
    assert found["NET002"].status == "FAIL"
    assert "nosuchnic0" in found["NET002"].summary and "203.0.113.77" in found["NET002"].summary
    assert "GLOO_SOCKET_IFNAME" not in found["NET002"].summary
    spec.env.update(HCCL_SOCKET_IFNAME=real, HCCL_IF_IP="127.0.0.1")
    assert findings_for(tmp_path / "good", spec)["NET002"].status == "PASS"


def test_interface_list_syntax():
    from doctor.checks.network import selected_interfaces

    names = ["eth0", "eth1", "enp3s0", "docker0", "lo"]
    assert selected_interfaces("eth", names, exact=False) == ["eth0", "eth1"]
    assert selected_interfaces("=eth0", names, exact=False) == ["eth0"]
    assert selected_interfaces("^eth,enp", names, exact=False) == ["docker0", "lo"]   # ^ covers the whole list
    assert selected_interfaces("^=eth1", names, exact=False) == ["eth0", "enp3s0", "docker0", "lo"]
    assert selected_interfaces("eth", names, exact=True) == []                          # gloo: exact names only
    assert selected_interfaces("eth0,lo", names, exact=True) == ["eth0", "lo"]


def test_gloo_needs_an_exact_name(tmp_path):
    spec = hosts.atlas_800i_a2_healthy()
    real = next(iter(psutil.net_if_addrs()))
    spec.env["GLOO_SOCKET_IFNAME"] = real[:-1] if len(real) > 1 else "x"
    found = findings_for(tmp_path, spec)
    assert found["NET002"].status == "FAIL" and "GLOO_SOCKET_IFNAME" in found["NET002"].summary


def test_expansion_mode_on_310p_suggests_a_supported_mode(tmp_path):
    spec = hosts.atlas_300i_duo()
    spec.env["HCCL_OP_EXPANSION_MODE"] = "AIV"
    found = findings_for(tmp_path, spec, Intent(devices=(0, 1), tp=2))
    assert found["NET001"].status == "WARN" and "AI_CPU" in found["NET001"].fix
