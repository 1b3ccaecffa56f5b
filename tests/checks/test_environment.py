"""ENV checks over simulated hosts."""


from doctor.checks.base import Intent
from tests.support import hosts
from tests.support.doctor_run import findings_for


def with_env(**changes):
    spec = hosts.atlas_800i_a2_healthy()
    spec.env.update({k: v for k, v in changes.items() if v is not None})
    for k in [k for k, v in changes.items() if v is None]:
        spec.env.pop(k, None)
    return spec


def test_image_variant_a2_image_on_a3_host_fails(tmp_path):
    found = findings_for(tmp_path, hosts.atlas_800_a3_busy(), Intent(image="quay.io/ascend/vllm-ascend:v0.11.0rc0"))
    assert found["ENV002"].status == "FAIL"
    assert "a3" in found["ENV002"].summary and "-a3" in found["ENV002"].fix


def test_image_variant_right_suffixes_pass(tmp_path):
    a3 = findings_for(tmp_path / "a3", hosts.atlas_800_a3_busy(), Intent(image="quay.io/ascend/vllm-ascend:v0.11.0rc0-a3"))
    duo = findings_for(tmp_path / "duo", hosts.atlas_300i_duo(), Intent(image="quay.io/ascend/vllm-ascend:v0.11.0rc0-310p"))
    a2 = findings_for(tmp_path / "a2", hosts.atlas_800i_a2_healthy(), Intent(image="quay.io/ascend/vllm-ascend:v0.11.0rc0"))
    assert (a3["ENV002"].status, duo["ENV002"].status, a2["ENV002"].status) == ("PASS", "PASS", "PASS")


def test_image_variant_needs_an_image(tmp_path):
    found = findings_for(tmp_path, hosts.atlas_800i_a2_healthy())
    assert found["ENV002"].status == "SKIP" and "--image" in found["ENV002"].summary


def test_stack_from_image_tag_fits_its_cann(tmp_path):
    found = findings_for(tmp_path, hosts.atlas_800i_a2_healthy(), Intent(image="quay.io/ascend/vllm-ascend:v0.9.0rc2"))
    assert found["ENV001"].status == "PASS", found["ENV001"]


def test_image_tag_is_not_judged_against_the_hosts_cann(tmp_path):
    """The image carries its own CANN: an old CANN on the host says nothing about it."""
    found = findings_for(tmp_path, hosts.atlas_800i_a2_healthy(), Intent(image="quay.io/ascend/vllm-ascend:v0.13.0"))
    assert found["ENV001"].status == "PASS"
    assert "CANN: the image's own" in found["ENV001"].evidence


def python_with(tmp_path, packages: dict[str, str]) -> str:
    """A real virtual environment whose installed distributions are the given ones."""
    import subprocess
    import sys

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    for name, version in packages.items():
        info = site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    return str(venv / "bin" / "python")


def findings_with_python(tmp_path, python, intent=None):
    from doctor.checks.runner import run_checks
    from doctor.probes.plan import Options, collect
    from tests.support import simhost

    spec = hosts.atlas_800i_a2_healthy()
    root = simhost.build(tmp_path / "host", spec)
    evidence = collect(Options(root=str(root), python=python, env=simhost.probe_env(root, spec)))
    return {f.code: f for f in run_checks(evidence, intent or Intent())}


def test_python_stack_that_fits_its_release_passes(tmp_path):
    python = python_with(tmp_path, {"vllm": "0.9.0", "vllm-ascend": "0.9.0rc2", "torch": "2.5.1",
                                    "torch-npu": "2.5.1"})
    found = findings_with_python(tmp_path, python)
    assert found["ENV001"].status == "PASS", found["ENV001"]


def test_python_stack_with_the_wrong_torch_npu_fails_naming_the_pin(tmp_path):
    python = python_with(tmp_path, {"vllm": "0.9.0", "vllm-ascend": "0.9.0rc2", "torch": "2.5.1",
                                    "torch-npu": "2.7.1"})
    found = findings_with_python(tmp_path, python)
    assert found["ENV001"].status == "FAIL"
    assert "torch_npu: found 2.7.1" in found["ENV001"].evidence and "2.5.1" in found["ENV001"].evidence


def test_stack_unknown_without_packages_or_image(tmp_path):
    found = findings_for(tmp_path, hosts.atlas_800i_a2_healthy())
    assert found["ENV001"].status == "SKIP" and "--python" in found["ENV001"].summary


def test_stack_from_a_python_interpreter(tmp_path):
    """The live packages probe runs a real interpreter; this one has no vllm-ascend, so it cannot decide."""
    import sys

    from doctor.checks.runner import run_checks
    from doctor.probes.plan import Options, collect
    from tests.support import simhost

    spec = hosts.atlas_800i_a2_healthy()
    simhost.build(tmp_path, spec)
    evidence = collect(Options(root=str(tmp_path), python=sys.executable, env=simhost.probe_env(tmp_path, spec)))
    assert evidence.get("python-packages").ok
    found = {f.code: f for f in run_checks(evidence, Intent())}
    assert found["ENV001"].status == "SKIP"
    assert "python packages:" in found["ENV001"].evidence and "listed" in found["ENV001"].evidence


def test_ld_preload_pointing_nowhere_fails(tmp_path):
    found = findings_for(tmp_path, with_env(LD_PRELOAD="/usr/lib/aarch64-linux-gnu/libjemalloc.so.2"))
    assert found["ENV004"].status == "FAIL"
    assert "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2" in found["ENV004"].summary


def test_ld_preload_unset_is_skipped(tmp_path):
    assert findings_for(tmp_path, with_env(LD_PRELOAD=None))["ENV004"].status == "SKIP"


def test_jemalloc_absent_warns_with_the_package_for_the_os(tmp_path):
    spec = hosts.atlas_800i_a2_healthy()
    del spec.extra_files[hosts.JEMALLOC]
    found = findings_for(tmp_path, spec)
    assert found["ENV003"].status == "WARN"
    assert "jemalloc" in found["ENV003"].fix and "install" in found["ENV003"].fix


def test_alloc_conf_conflict_and_syntax(tmp_path):
    clash = findings_for(tmp_path / "a", with_env(PYTORCH_NPU_ALLOC_CONF="expandable_segments:True,max_split_size_mb:256"))
    assert clash["ENV005"].status == "FAIL" and "max_split_size_mb" in clash["ENV005"].summary
    broken = findings_for(tmp_path / "b", with_env(PYTORCH_NPU_ALLOC_CONF="max_split_size_mb=256"))
    assert broken["ENV005"].status == "FAIL" and "has no ':'" in broken["ENV005"].summary
    unknown = findings_for(tmp_path / "c", with_env(PYTORCH_NPU_ALLOC_CONF="max_split:256"))
    assert unknown["ENV005"].status == "FAIL"
    cuda = findings_for(tmp_path / "d", with_env(PYTORCH_NPU_ALLOC_CONF=None, PYTORCH_CUDA_ALLOC_CONF="x:1"))
    assert cuda["ENV005"].status == "WARN"


def test_small_shm_warns_for_one_worker_and_fails_for_tensor_parallel(tmp_path):
    """/dev/shm is read with statvfs; a 64 MiB tmpfs is docker's default size."""
    import subprocess

    import pytest

    from tests.support import simhost

    spec = hosts.atlas_800i_a2_healthy()
    simhost.build(tmp_path, spec)
    shm = tmp_path / "dev" / "shm"
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(shm)], capture_output=True)
    if mounted.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs here (needs root): {mounted.stderr.decode()}")
    try:
        single = findings_for(tmp_path, spec)
        parallel = findings_for(tmp_path, spec, Intent(devices=(0, 1), tp=2))
    finally:
        subprocess.run(["umount", str(shm)], check=False)
    assert single["ENV006"].status == "WARN"
    assert parallel["ENV006"].status == "FAIL"
    assert "64 MiB" in parallel["ENV006"].evidence and "--shm-size" in parallel["ENV006"].fix


def test_bare_soname_in_ld_preload_is_looked_up_in_the_library_dirs(tmp_path):
    spec = with_env(LD_PRELOAD="libjemalloc.so.2")
    assert findings_for(tmp_path / "found", spec)["ENV004"].status == "PASS"   # /usr/lib64 has it
    spec = with_env(LD_PRELOAD="libtcmalloc.so.4")
    assert findings_for(tmp_path / "absent", spec)["ENV004"].status == "FAIL"


def test_segment_size_conflicts_with_expandable_segments(tmp_path):
    found = findings_for(tmp_path, with_env(PYTORCH_NPU_ALLOC_CONF="segment_size_mb:64,expandable_segments:True"))
    assert found["ENV005"].status == "FAIL" and "segment_size_mb" in found["ENV005"].summary
