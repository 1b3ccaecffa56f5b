"""DRV, CANN and SVC checks over simulated hosts."""

from dataclasses import replace

from doctor.model import Intent
from tests.support import hosts
from tests.support.doctor_run import findings_for

IMAGE = "quay.io/ascend/vllm-ascend:v0.9.0rc2"


def without_file(spec, path):
    return replace(spec, files={k: v for k, v in spec.files.items() if k != path})


def test_healthy_host_reads_driver_firmware_and_cann(tmp_path):
    found = findings_for(tmp_path, hosts.atlas_800i_a2_healthy())
    assert found["DRV001"].status == "PASS" and "24.1.rc2.2" in found["DRV001"].summary
    assert found["DRV002"].status == "PASS"
    assert found["DRV003"].status == "PASS"
    assert found["CANN001"].status == "PASS" and "8.1.RC1" in found["CANN001"].summary
    assert found["CANN002"].status == "PASS"
    assert found["CANN003"].status == "PASS" and "24.1.rc2" in found["CANN003"].summary


def test_missing_driver_version_file_names_the_mount(tmp_path):
    found = findings_for(tmp_path, without_file(hosts.atlas_800i_a2_healthy(), hosts.DRIVER_INFO))
    assert found["DRV001"].status == "FAIL"
    assert "-v /usr/local/Ascend/driver/version.info" in found["DRV001"].fix
    assert found["CANN003"].status == "SKIP"


def test_firmware_outside_the_drivers_range_fails(tmp_path):
    spec = hosts.atlas_800i_a2_healthy()
    spec.files[hosts.FIRMWARE_INFO] = "version-files/mindcluster-fd-firmware-version.info-7.1.0.11.220.txt"
    spec.extra_files[hosts.DRIVER_INFO] = "Version=99.0.0\ncompatible_version_fw=[7.3.0,7.4.99]\n"
    spec = without_file(spec, hosts.DRIVER_INFO)
    found = findings_for(tmp_path, spec)
    assert found["DRV002"].status == "FAIL"
    assert "7.1.0.11.220" in found["DRV002"].summary


def test_firmware_absent_in_a_container_is_skipped(tmp_path):
    found = findings_for(tmp_path, without_file(hosts.atlas_800i_a2_healthy(), hosts.FIRMWARE_INFO))
    assert found["DRV002"].status == "SKIP"


def test_driver_older_than_the_release_pairing_warns(tmp_path):
    spec = hosts.atlas_800i_a2_healthy()
    spec.files[hosts.DRIVER_INFO] = "version-files/mindcluster-fd-driver-version.info-23.0.7.txt"
    found = findings_for(tmp_path, spec)
    assert found["CANN003"].status == "WARN"
    assert "23.0.7" in found["CANN003"].summary and "24.1.rc2" in found["CANN003"].summary


def test_driver_below_a_stated_minimum_fails(tmp_path):
    spec = without_file(hosts.atlas_800i_a2_healthy(), hosts.TOOLKIT_INFO)
    spec.extra_files["/usr/local/Ascend/cann-9.0.0/aarch64-linux/ascend_toolkit_install.info"] = \
        "package_name=Ascend-cann-toolkit\nversion=9.0.0\n"
    found = findings_for(tmp_path, spec)
    assert found["CANN003"].status == "FAIL"
    assert "24.1.rc2.2" in found["CANN003"].summary and "9.0.0" in found["CANN003"].summary
    assert "release-notes" in found["CANN003"].evidence


def test_no_cann_on_a_bare_host_fails_but_is_skipped_when_the_image_brings_it(tmp_path):
    spec = without_file(hosts.atlas_800i_a2_healthy(), hosts.TOOLKIT_INFO)
    bare = findings_for(tmp_path / "bare", spec)
    assert bare["CANN001"].status == "FAIL"
    imaged = findings_for(tmp_path / "imaged", spec, Intent(image=IMAGE))
    assert imaged["CANN001"].status == "SKIP" and IMAGE in imaged["CANN001"].summary


def test_cann_85_layout_is_found(tmp_path):
    spec = without_file(hosts.atlas_800i_a2_healthy(), hosts.TOOLKIT_INFO)
    spec.extra_files["/usr/local/Ascend/cann-8.5.0/aarch64-linux/ascend_toolkit_install.info"] = \
        "package_name=Ascend-cann-toolkit\nversion=8.5.0\npath=/usr/local/Ascend/cann-8.5.0\n"
    spec.extra_files["/usr/local/Ascend/cann-8.5.0/set_env.sh"] = "#\n"
    spec.env["ASCEND_TOOLKIT_HOME"] = "/usr/local/Ascend/cann-8.5.0"
    found = findings_for(tmp_path, spec)
    assert found["CANN001"].status == "PASS" and "8.5.0" in found["CANN001"].summary
    assert found["CANN002"].status == "PASS"


def test_set_env_not_sourced_warns(tmp_path):
    spec = hosts.atlas_800i_a2_healthy()
    del spec.env["ASCEND_TOOLKIT_HOME"]
    found = findings_for(tmp_path, spec)
    assert found["CANN002"].status == "WARN"
    assert "source /usr/local/Ascend/ascend-toolkit/set_env.sh" in found["CANN002"].fix


def test_docker_up_down_and_absent(tmp_path):
    up = findings_for(tmp_path / "up", hosts.atlas_800i_a2_healthy(), Intent(image=IMAGE))
    assert up["SVC001"].status == "PASS" and "20.10.24" in up["SVC001"].summary
    down_spec = replace(hosts.atlas_800i_a2_healthy(), docker="down")
    down = findings_for(tmp_path / "down", down_spec, Intent(image=IMAGE))
    assert down["SVC001"].status == "FAIL" and "Cannot connect to the Docker daemon" in down["SVC001"].evidence
    absent = findings_for(tmp_path / "absent", replace(hosts.atlas_800i_a2_healthy(), docker=None))
    assert absent["SVC001"].status == "SKIP"


def test_version_files_mounted_as_directories_fail(tmp_path):
    spec = without_file(without_file(hosts.atlas_800i_a2_healthy(), hosts.DRIVER_INFO), "/etc/ascend_install.info")
    spec = replace(spec, directories=(hosts.DRIVER_INFO, "/etc/ascend_install.info"))
    found = findings_for(tmp_path, spec)
    assert found["DRV001"].status == "FAIL" and "is a directory" in found["DRV001"].summary
    assert found["DRV003"].status == "FAIL" and "is a directory" in found["DRV003"].summary


def test_garbled_firmware_range_is_an_error_not_a_crash(tmp_path):
    spec = without_file(hosts.atlas_800i_a2_healthy(), hosts.DRIVER_INFO)
    spec.extra_files[hosts.DRIVER_INFO] = "Version=24.1.rc2\ncompatible_version_fw=[7.0.0,7.2.99\n"
    found = findings_for(tmp_path, spec)
    assert found["DRV002"].status in ("ERROR", "SKIP")
    assert "the check itself failed" not in found["DRV002"].summary
