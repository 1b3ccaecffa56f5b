from dataclasses import replace

from doctor.model import Intent
from tests.support import hosts
from tests.support.doctor_run import findings_for


def test_healthy_a2_passes_every_device_check(tmp_path):
    found = findings_for(tmp_path, hosts.atlas_800i_a2_healthy(), Intent(devices=(0, 1), tp=2))
    assert {c: found[c].status for c in ("DEV001", "DEV002", "DEV003", "DEV004", "DEV005", "DEV006")} == \
        dict.fromkeys(("DEV001", "DEV002", "DEV003", "DEV004", "DEV005", "DEV006"), "PASS")
    assert "npu-smi 25.0.rc1.1" in found["DEV003"].summary


def test_missing_davinci_node_fails_with_the_docker_flag(tmp_path):
    spec = replace(hosts.atlas_800i_a2_healthy(), devices=(0,))
    found = findings_for(tmp_path, spec, Intent(devices=(0, 1), tp=2))
    assert found["DEV001"].status == "FAIL"
    assert "/dev/davinci1" in found["DEV001"].summary
    assert "--device /dev/davinci1" in found["DEV001"].fix


def test_control_node_that_is_a_plain_file_fails(tmp_path):
    spec = replace(hosts.atlas_800i_a2_healthy(), regular_file_nodes=("devmm_svm",))
    found = findings_for(tmp_path, spec)
    assert found["DEV002"].status == "FAIL"
    assert "/dev/devmm_svm" in found["DEV002"].summary
    assert "--device /dev/devmm_svm" in found["DEV002"].fix


def test_control_nodes_absent(tmp_path):
    spec = replace(hosts.atlas_800i_a2_healthy(), control_nodes=("davinci_manager",))
    found = findings_for(tmp_path, spec)
    assert found["DEV002"].status == "FAIL"
    assert "devmm_svm" in found["DEV002"].summary and "hisi_hdc" in found["DEV002"].summary


def test_npu_smi_as_directory_is_explained(tmp_path):
    spec = replace(hosts.atlas_800i_a2_healthy(), npu_smi_mode="directory")
    found = findings_for(tmp_path, spec)
    assert found["DEV003"].status == "FAIL"
    assert "directory" in found["DEV003"].summary
    # the chip checks cannot decide without npu-smi, and say so rather than pass
    assert found["DEV004"].status == "SKIP"


def test_npu_smi_absent(tmp_path):
    spec = replace(hosts.atlas_800i_a2_healthy(), npu_smi_mode="absent")
    found = findings_for(tmp_path, spec)
    assert found["DEV003"].status == "FAIL"
    assert "not installed" in found["DEV003"].summary


def test_dcmi_8005_is_explained_as_a_chip_held_elsewhere(tmp_path):
    found = findings_for(tmp_path, hosts.chip_held_elsewhere(), Intent(devices=(7,)))
    assert found["DEV003"].status == "FAIL"
    assert "-8005" in found["DEV003"].summary and "another process or container" in found["DEV003"].summary
    assert found["DEV004"].status == "SKIP" and "DEV003" in found["DEV004"].summary


def test_hung_npu_smi_is_undecided_not_passed(tmp_path):
    spec = replace(hosts.atlas_800i_a2_healthy(), npu_smi_delay_s=600)
    found = findings_for(tmp_path, spec, timeout=0.5)
    assert found["DEV003"].status == "ERROR"
    assert "killed after 0.5 s" in found["DEV003"].summary
    assert found["DEV004"].status == "ERROR"


def test_alarm_chip_fails_with_npu_smi_health_detail(tmp_path):
    found = findings_for(tmp_path, hosts.alarm_chip())
    assert found["DEV004"].status == "FAIL"
    assert "Alarm" in found["DEV004"].evidence
    assert "A4025021" in found["DEV004"].evidence   # error code from `npu-smi info -t health`


def test_warning_chip_only_warns(tmp_path):
    spec = replace(hosts.atlas_800i_a2_healthy(), npu_smi={"info": hosts.WARNING_TABLE})
    found = findings_for(tmp_path, spec)
    assert found["DEV004"].status == "WARN"


def test_warning_chip_outside_the_intended_devices_is_not_counted(tmp_path):
    spec = replace(hosts.atlas_800i_a2_healthy(), npu_smi={"info": hosts.WARNING_TABLE})
    found = findings_for(tmp_path, spec, Intent(devices=(7,)))
    assert found["DEV004"].status == "PASS"


def test_busy_a3_chips_fail_and_idle_ones_pass(tmp_path):
    busy = findings_for(tmp_path / "busy", hosts.atlas_800_a3_busy(), Intent(devices=(8, 9), tp=2))
    assert busy["DEV006"].status == "FAIL"
    assert "1534604" in busy["DEV006"].evidence
    idle = findings_for(tmp_path / "idle", hosts.atlas_800_a3_busy(), Intent(devices=(0, 1), tp=2))
    assert idle["DEV006"].status == "PASS"


def test_devices_not_on_the_host_fail_chip_count(tmp_path):
    found = findings_for(tmp_path, hosts.atlas_300i_duo(), Intent(devices=(8, 9), tp=2))
    assert found["DEV005"].status == "FAIL"
    assert "8, 9" in found["DEV005"].summary


def test_tp_larger_than_the_host_fails_chip_count(tmp_path):
    found = findings_for(tmp_path, replace(hosts.alarm_chip(), npu_smi={"info": hosts.A2_TABLE}), Intent(tp=16))
    assert found["DEV005"].status == "FAIL"
    assert "needs 16 chips" in found["DEV005"].summary


def test_300i_duo_chips_map_to_their_device_column(tmp_path):
    found = findings_for(tmp_path, hosts.atlas_300i_duo(), Intent(devices=(6, 7), tp=2))
    assert found["DEV005"].status == "PASS"
    assert found["DEV004"].status == "PASS"


def _chips_busy(npu_smi_info_text: str, devices=None):
    from doctor.checks.devices import check_chips_busy
    from doctor.evidence import OK, Evidence, Observation
    from doctor.facts import Facts

    evidence = Evidence()
    evidence.add(Observation("npu-smi info", "command", OK, output=npu_smi_info_text))
    return check_chips_busy(Facts(evidence), Intent(devices=devices))


def test_thousands_of_processes_are_summarised_per_chip():
    from tests.parsers import synthetic

    # The A3 capture's process rows cycled: NPUs 4-7 (devices 8-15) hold 3,000 processes.
    found = _chips_busy(synthetic.npu_smi_info(3_000))
    lines = found.evidence.splitlines()
    assert found.status == "FAIL" and found.summary == "8 intended chip(s) already in use"
    assert lines[0].startswith(f"device 8: 300 processes holding {300 * 54963} MB: 1000000 (?, 54963 MB), ")
    assert lines[0].count(" MB)") == 5
    assert lines[4] == f"device 12: 600 processes holding {300 * (116 + 53740)} MB"   # 20 rows shown already
    assert lines[-1] == "… and 2980 more processes"
    assert sum(line.count(" MB)") for line in lines) == 20
    assert len(found.evidence) < 2_000


def test_a_few_processes_are_all_shown():
    from tests.parsers import synthetic

    found = _chips_busy(synthetic.npu_smi_info(10), devices=(12,))
    assert found.status == "FAIL"
    assert found.evidence == "device 12: 2 processes holding 53856 MB: 1000004 (?, 116 MB), 1000005 (?, 53740 MB)"


def test_six_processes_on_one_chip_show_five():
    from tests.parsers import synthetic

    found = _chips_busy(synthetic.npu_smi_info(30), devices=(12,))
    assert found.evidence.splitlines()[0].count(" MB)") == 5
    assert found.evidence.splitlines()[-1] == "… and 1 more process"
