"""ENV checks: tables of evidence -> status, then end to end on simulated hosts where the probe matters."""

import json

import pytest

from doctor.evidence import FAILED, OK, Observation
from doctor.evidence_keys import ENV, NPU_SMI_INFO, OS_RELEASE, PATHS, PLATFORM, PYTHON_PACKAGES, SHM, file_key
from doctor.model import ERROR, FAIL, PASS, SKIP, WARN, Intent
from tests.support import hosts
from tests.support.check_table import fixture, run_check
from tests.support.doctor_run import findings_for

IMAGE = "quay.io/ascend/vllm-ascend:v0.11.0rc0"
MiB = 1024 ** 2


# -- ENV001 stack-mismatch ------------------------------------------------------------------------

def packages(**versions: str) -> Observation:
    listing = {"python": "3.10.12", "packages": {k.replace("_", "-"): v for k, v in versions.items()}}
    return Observation(PYTHON_PACKAGES, "command", OK, output=json.dumps(listing), exit_code=0,
                       argv=("/usr/bin/python3",))


FITS_0_9_0RC2 = dict(vllm="0.9.0", vllm_ascend="0.9.0rc2", torch="2.5.1", torch_npu="2.5.1")


@pytest.mark.parametrize("evidence, intent, status, says", [
    ({PYTHON_PACKAGES: packages(**FITS_0_9_0RC2)}, Intent(), PASS, "every known component fits"),
    ({PYTHON_PACKAGES: packages(**{**FITS_0_9_0RC2, "torch_npu": "2.7.1"})}, Intent(), FAIL, "do not fit"),
    ({}, Intent(), SKIP, "--python"),
    ({}, Intent(image="quay.io/ascend/vllm-ascend:v0.9.0rc2"), PASS, "vllm-ascend 0.9.0rc2"),
    ({PYTHON_PACKAGES: Observation(PYTHON_PACKAGES, "command", FAILED, detail="exec format error")}, Intent(),
     ERROR, "could not be asked"),
], ids=["fits", "wrong-torch-npu", "unknown", "from-image-tag", "python-broken"])
def test_stack(evidence, intent, status, says):
    outcome = run_check("ENV001", evidence, intent)
    assert (outcome.status, says in outcome.summary) == (status, True), outcome


def test_stack_names_the_pin_it_breaks():
    outcome = run_check("ENV001", {PYTHON_PACKAGES: packages(**{**FITS_0_9_0RC2, "torch_npu": "2.7.1"})})
    assert "torch_npu: found 2.7.1" in outcome.evidence and "2.5.1" in outcome.evidence


# -- ENV002 image-variant-mismatch ----------------------------------------------------------------

@pytest.mark.parametrize("table, image, status", [
    (hosts.A3_TABLE, IMAGE, FAIL),
    (hosts.A3_TABLE, IMAGE + "-a3", PASS),
    (hosts.DUO_TABLE, IMAGE + "-310p", PASS),
    (hosts.A2_TABLE, IMAGE, PASS),
    (hosts.A2_TABLE, IMAGE + "-310p", FAIL),
    (hosts.A2_TABLE, None, SKIP),
], ids=["a2-image-on-a3", "a3", "310p", "a2", "310p-image-on-a2", "no-image"])
def test_image_variant(table, image, status):
    outcome = run_check("ENV002", {NPU_SMI_INFO: fixture(table)}, Intent(image=image))
    assert outcome.status == status, outcome


def test_image_variant_says_which_suffix():
    outcome = run_check("ENV002", {NPU_SMI_INFO: fixture(hosts.A3_TABLE)}, Intent(image=IMAGE))
    assert "a3" in outcome.summary and "-a3" in outcome.fix


# -- ENV003 jemalloc-missing ----------------------------------------------------------------------

UBUNTU_ARM = "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2"


def jemalloc_host(os_id: str, present: tuple[str, ...]) -> dict:
    return {PATHS: {p: {"exists": True, "type": "file"} for p in present},
            PLATFORM: {"machine": "aarch64"}, file_key(OS_RELEASE): f'ID="{os_id}"\n'}


@pytest.mark.parametrize("os_id, present, status, says", [
    ("ubuntu", (UBUNTU_ARM,), PASS, UBUNTU_ARM),
    ("openEuler", (hosts.JEMALLOC,), PASS, hosts.JEMALLOC),
    ("ubuntu", (hosts.JEMALLOC,), WARN, "not where this OS puts it"),
    ("ubuntu", (), WARN, "not installed"),
], ids=["ubuntu", "openeuler", "elsewhere", "absent"])
def test_jemalloc(os_id, present, status, says):
    outcome = run_check("ENV003", jemalloc_host(os_id, present))
    assert (outcome.status, says in outcome.summary) == (status, True), outcome


def test_absent_jemalloc_names_the_package_for_the_os():
    assert "apt install -y libjemalloc2" in run_check("ENV003", jemalloc_host("ubuntu", ())).fix
    assert "dnf install -y jemalloc" in run_check("ENV003", jemalloc_host("openEuler", ())).fix


# -- ENV004 ld-preload-missing --------------------------------------------------------------------

@pytest.mark.parametrize("preload, present, status", [
    (None, (), SKIP),
    (UBUNTU_ARM, (hosts.JEMALLOC,), FAIL),
    (hosts.JEMALLOC, (hosts.JEMALLOC,), PASS),
    ("libjemalloc.so.2", (hosts.JEMALLOC,), PASS),            # a bare name is looked up in the library dirs
    ("libtcmalloc.so.4", (hosts.JEMALLOC,), FAIL),
    (f"{hosts.JEMALLOC}:/opt/missing.so", (hosts.JEMALLOC,), FAIL),
], ids=["unset", "nowhere", "there", "bare-name", "bare-name-absent", "one-of-two-absent"])
def test_ld_preload(preload, present, status):
    env = {"LD_PRELOAD": preload} if preload else {}
    outcome = run_check("ENV004", {ENV: env, PATHS: {p: {"exists": True} for p in present}})
    assert outcome.status == status, outcome


# -- ENV005 npu-alloc-conf-invalid ----------------------------------------------------------------

@pytest.mark.parametrize("env, status, says", [
    ({"PYTORCH_NPU_ALLOC_CONF": "max_split_size_mb:256"}, PASS, "well formed"),
    ({"PYTORCH_NPU_ALLOC_CONF": "expandable_segments:True,max_split_size_mb:256"}, FAIL, "max_split_size_mb"),
    ({"PYTORCH_NPU_ALLOC_CONF": "segment_size_mb:64,expandable_segments:True"}, FAIL, "segment_size_mb"),
    ({"PYTORCH_NPU_ALLOC_CONF": "max_split_size_mb=256"}, FAIL, "has no ':'"),
    ({"PYTORCH_NPU_ALLOC_CONF": "max_split:256"}, FAIL, "is not an allocator option"),
    ({"PYTORCH_NPU_ALLOC_CONF": "expandable_segments:yes"}, FAIL, "is not a valid value"),
    ({"PYTORCH_CUDA_ALLOC_CONF": "x:1"}, WARN, "PYTORCH_CUDA_ALLOC_CONF"),
    ({}, SKIP, "not set"),
], ids=["fine", "expandable-and-split", "expandable-and-segment", "no-colon", "unknown-key", "bad-value",
        "cuda-name", "unset"])
def test_alloc_conf(env, status, says):
    outcome = run_check("ENV005", {ENV: env})
    assert (outcome.status, says in outcome.summary) == (status, True), outcome


# -- ENV006 shm-too-small -------------------------------------------------------------------------

@pytest.mark.parametrize("size, tp, status", [
    (64 * MiB, 1, WARN),
    (64 * MiB, 2, FAIL),       # tensor-parallel workers exchange tensors through it
    (1024 * MiB, 2, PASS),
    (None, 1, ERROR),
], ids=["small-one-worker", "small-tensor-parallel", "enough", "no-size"])
def test_shm(size, tp, status):
    outcome = run_check("ENV006", {SHM: {"path": "/dev/shm", "total_bytes": size}}, Intent(tp=tp))
    assert outcome.status == status, outcome


def test_evidence_that_was_not_collected_is_named_in_the_skip():
    outcome = run_check("ENV003", {PATHS: {}})
    assert outcome.status == SKIP
    assert f"`{PLATFORM}`" in outcome.summary and f"`{file_key(OS_RELEASE)}`" in outcome.summary


# -- end to end: the probes behind the evidence ---------------------------------------------------

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


def test_image_tag_is_not_judged_against_the_hosts_cann(tmp_path):
    """The image carries its own CANN: an old CANN on the host says nothing about it."""
    found = findings_for(tmp_path, hosts.atlas_800i_a2_healthy(), Intent(image="quay.io/ascend/vllm-ascend:v0.13.0"))
    assert found["ENV001"].status == "PASS"
    assert "CANN: the image's own" in found["ENV001"].evidence


def test_jemalloc_and_ld_preload_seen_on_the_host(tmp_path):
    spec = hosts.atlas_800i_a2_healthy()
    spec.env["LD_PRELOAD"] = "libjemalloc.so.2"
    found = findings_for(tmp_path / "present", spec)
    assert (found["ENV003"].status, found["ENV004"].status) == ("PASS", "PASS")
    del spec.extra_files[hosts.JEMALLOC]
    found = findings_for(tmp_path / "absent", spec)
    assert (found["ENV003"].status, found["ENV004"].status) == ("WARN", "FAIL")


def test_small_shm_warns_for_one_worker_and_fails_for_tensor_parallel(tmp_path):
    """/dev/shm is read with statvfs; a 64 MiB tmpfs is docker's default size."""
    import subprocess

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
