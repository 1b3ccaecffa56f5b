"""collect_env reports -> CollectEnv, on every corpus sample, plus fuzzing."""

from __future__ import annotations

import functools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doctor import compat
from doctor.compat import Stack
from doctor.parsers.collect_env import CollectEnv, parse_collect_env
from doctor.parsers.errors import ParseError
from tests.support import golden

CATEGORY = "collect-env"
NAMES = golden.sample_names(CATEGORY)
_text = functools.partial(golden.sample, CATEGORY)
_meta = functools.partial(golden.meta, CATEGORY)


ATB_ENV = [
    "ATB_OPSRUNNER_KERNEL_CACHE_LOCAL_COUNT", "ATB_STREAM_SYNC_EVERY_RUNNER_ENABLE",
    "ATB_STREAM_SYNC_EVERY_KERNEL_ENABLE", "ATB_OPSRUNNER_KERNEL_CACHE_GLOABL_COUNT", "ATB_HOME_PATH",
    "ASCEND_TOOLKIT_HOME", "ATB_COMPARE_TILING_EVERY_KERNEL", "ASCEND_OPP_PATH", "LD_LIBRARY_PATH",
    "ASCEND_AICPU_PATH", "ATB_STREAM_SYNC_EVERY_OPERATION_ENABLE", "ASCEND_HOME_PATH", "ATB_MATMUL_SHUFFLE_K_ENABLE",
    "ATB_WORKSPACE_MEM_ALLOC_ALG_TYPE", "ATB_SHARE_MEMORY_NAME_SUFFIX", "TORCH_DEVICE_BACKEND_AUTOLOAD",
    "PYTORCH_NVML_BASED_CUDA_CHECK", "TORCHINDUCTOR_COMPILE_THREADS",
]

# Expectations read off each sample by eye (and against its .meta.json).
GOLDEN = {
    "vllm-ascend-1875-910B4-24.1.rc3-numpy2": dict(
        stack=Stack(python="3.10.17", vllm="0.9.1", vllm_ascend="0.1.dev1+g507dce5", torch="2.5.1",
                    torch_npu="2.5.1.post1.dev20250619", cann="8.1.RC1", driver="24.1.rc3"),
        fields={"OS": "Ubuntu 22.04.5 LTS (aarch64)", "CMake version": "version 4.0.3",
                "vLLM Ascend Version": "0.1.dev1+g507dce5 (git sha: 507dce5)", "Libc version": "glibc-2.35"},
        packages={"numpy": "2.2.6", "pyzmq": "27.0.0", "torch": "2.5.1", "torch-npu": "2.5.1.post1.dev20250619",
                  "torchvision": "0.20.1", "transformers": "4.52.4"},
        env_names=ATB_ENV + ["ATB_OPSRUNNER_KERNEL_CACHE_TILING_SIZE", "ATB_OPSRUNNER_SETUP_CACHE_ENABLE",
                             "ATB_WORKSPACE_MEM_ALLOC_GLOBAL", "ATB_DEVICE_TILING_BUFFER_BLOCK_NUM",
                             "ATB_OPSRUNNER_KERNEL_CACHE_TYPE", "ATB_RUNNER_POOL_SIZE", "ATB_LAUNCH_KERNEL_WITH_TILING",
                             "ATB_HOST_TILING_BUFFER_BLOCK_NUM"],
        npu_lines=49, npu_derived="vllm-ascend-1875-910B4-x8-24.1.rc3",
    ),
    "vllm-ascend-237-910ProB-23.0.rc1-earlyformat": dict(
        stack=Stack(python="3.10.15", vllm="0.7.1", vllm_ascend=None, torch="2.5.1", torch_npu="2.5.1.dev20250218",
                    cann="8.0.0", driver="23.0.rc1"),
        fields={"vLLM Build Flags": "ROCm: Disabled; Neuron: Disabled", "Is XNNPACK available": "True",
                "Python platform": "Linux-4.14.0-115.el7a.0.1.aarch64-aarch64-with-glibc2.35"},
        packages={"numpy": "1.26.4", "pyzmq": "26.2.1", "torch": "2.5.1", "torch-npu": "2.5.1.dev20250218",
                  "torchaudio": "2.5.1", "torchvision": "0.20.1", "transformers": "4.49.0"},
        env_names=["ASCEND_TOOLKIT_HOME", "ASCEND_OPP_PATH", "LD_LIBRARY_PATH", "ASCEND_AICPU_PATH",
                   "ASCEND_HOME_PATH", "TORCHINDUCTOR_COMPILE_THREADS"],
        npu_lines=14, npu_derived="vllm-ascend-237-910ProB-1card-23.0.rc1",
    ),
    "vllm-ascend-3689-A3-Ascend910-25.3.rc1": dict(
        stack=Stack(python="3.11.13", vllm="0.11.1.dev0+gb8b302cde.d20251020",
                    vllm_ascend="0.11.0rc1.dev103+gdaa4dd0a5.d20251020", torch="2.7.1+cpu",
                    torch_npu="2.7.1.dev20250724", cann="8.2.RC1", driver="25.3.rc1"),
        fields={"PyTorch version": "2.7.1+cpu",
                "vLLM Version": "0.11.1.dev0+gb8b302cde.d20251020 (git sha: b8b302cde, date: 20251020)"},
        packages={"numpy": "1.26.4", "pyzmq": "27.1.0", "torch": "2.7.1+cpu", "torch-npu": "2.7.1.dev20250724",
                  "torchvision": "0.22.1", "transformers": "4.56.1"},
        env_names=ATB_ENV + ["ATB_OPSRUNNER_SETUP_CACHE_ENABLE", "ATB_WORKSPACE_MEM_ALLOC_GLOBAL",
                             "ATB_DEVICE_TILING_BUFFER_BLOCK_NUM", "ATB_HOST_TILING_BUFFER_BLOCK_NUM"],
        npu_lines=79, npu_derived="vllm-ascend-3689-A3-8x2chip-25.3.rc1-procs",
    ),
    "vllm-ascend-6063-300IDuo-vllm-sectioned-format": dict(
        stack=Stack(python="3.11.13", vllm="0.10.0", vllm_ascend=None, torch="2.7.1+cpu",
                    torch_npu="2.7.1.dev20250724", cann=None, driver=None),
        fields={"OS": "Ubuntu 22.04.5 LTS (aarch64)", "PyTorch version": "2.7.1+cpu", "ROCM used to build PyTorch": "N/A",
                "CUDA_MODULE_LOADING set to": "N/A", "vLLM Build Flags": "CUDA Archs: Not Set; ROCm: Disabled",
                "GPU Topology": "Could not collect", "ROCM Version": "Could not collect"},
        packages={"numpy": "1.26.4", "pyzmq": "27.0.1", "torch": "2.7.1+cpu", "torch-npu": "2.7.1.dev20250724",
                  "torchvision": "0.22.1", "transformers": "4.53.3"},
        env_names=["CUDA_VISIBLE_DEVICES", "LD_LIBRARY_PATH", "TORCH_DEVICE_BACKEND_AUTOLOAD", "NCCL_CUMEM_ENABLE",
                   "PYTORCH_NVML_BASED_CUDA_CHECK", "TORCHINDUCTOR_COMPILE_THREADS"],
        npu_lines=None, npu_derived=None,
    ),
    "vllm-ascend-622-910B2-24.1.0-oldformat": dict(
        stack=Stack(python="3.10.15", vllm="0.7.3", vllm_ascend=None, torch="2.5.1", torch_npu="2.5.1.dev20250320",
                    cann="8.0.0", driver="24.1.0"),
        fields={"vLLM Build Flags": "CUDA Archs: Not Set; ROCm: Disabled; Neuron: Disabled",
                "GPU Topology": "Could not collect", "Neuron SDK Version": "N/A", "CUDA used to build PyTorch": "None"},
        packages={"numpy": "1.26.4", "pyzmq": "26.3.0", "torch": "2.5.1", "torch-npu": "2.5.1.dev20250320",
                  "transformers": "4.50.3"},
        env_names=["LD_LIBRARY_PATH", "TORCH_DEVICE_BACKEND_AUTOLOAD", "NCCL_CUMEM_ENABLE",
                   "TORCHINDUCTOR_COMPILE_THREADS"],
        npu_lines=49, npu_derived="vllm-ascend-622-910B2-x8-24.1.0",
    ),
    "vllm-ascend-6271-910B3-25.2.0-cann8.5-openeuler": dict(
        stack=Stack(python="3.11.14", vllm="0.13.0", vllm_ascend="0.13.0rc2", torch="2.8.0+cpu",
                    torch_npu="2.8.0.post1", cann="8.5.0", driver="25.2.0"),
        fields={"OS": "openEuler 24.03 (LTS-SP2) (aarch64)", "Clang version": "17.0.6 ( 17.0.6-45.oe2403sp2)",
                "vLLM Ascend Version": "0.13.0rc2"},
        packages={"numpy": "1.26.4", "pyzmq": "27.1.0", "torch": "2.8.0+cpu", "torch-npu": "2.8.0.post1",
                  "torchvision": "0.23.0", "transformers": "4.57.6"},
        env_names=[n for n in ATB_ENV] + ["ASCEND_TOOLKIT_LATEST_HOME"],
        npu_lines=49, npu_derived="vllm-ascend-6271-910B3-x8-25.2.0-python-proc",
    ),
}


def test_every_sample_has_a_golden_entry():
    assert NAMES, "collect-env fixtures missing"
    assert sorted(GOLDEN) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_golden(name):
    expected = GOLDEN[name]
    report = parse_collect_env(_text(name))
    assert isinstance(report, CollectEnv)
    assert report.stack() == expected["stack"]
    for key, value in expected["fields"].items():
        assert report.fields[key] == value, key
    assert report.packages == expected["packages"]
    assert sorted(report.env_vars) == sorted(expected["env_names"])
    if expected["npu_lines"] is None:
        assert report.npu_smi_text is None
    else:
        assert report.npu_smi_text.count("\n") == expected["npu_lines"]
        assert report.npu_smi_text.startswith("+---")
        assert "npu-smi" in report.npu_smi_text.split("\n")[1]


@pytest.mark.parametrize("name", NAMES)
def test_golden_agrees_with_the_sample_metadata(name):
    meta = _meta(name)
    stack = parse_collect_env(_text(name)).stack()
    assert meta["driver_version"] in (f"npu-smi {stack.driver}",) or stack.driver is None
    assert meta["torch_npu"] == stack.torch_npu
    if stack.cann:
        assert meta["cann"].startswith(stack.cann + " ")
    assert meta["vllm"].startswith(stack.vllm)


@pytest.mark.parametrize("name", [n for n in NAMES if GOLDEN[n]["npu_derived"]])
def test_npu_smi_block_is_byte_exact(name):
    """The corpus cut these npu-smi samples out of the same pastes, byte for byte."""
    derived = golden.sample_path("npu-smi-info", GOLDEN[name]["npu_derived"])
    if not derived.exists():
        pytest.skip("npu-smi-info fixtures not present")
    assert parse_collect_env(_text(name)).npu_smi_text == derived.read_text(encoding="utf-8")


def test_env_values_are_whole():
    report = parse_collect_env(_text("vllm-ascend-6271-910B3-25.2.0-cann8.5-openeuler"))
    assert report.env_vars["ASCEND_TOOLKIT_HOME"] == "/usr/local/Ascend/cann-8.5.0"
    assert report.env_vars["ATB_SHARE_MEMORY_NAME_SUFFIX"] == ""
    ld = report.env_vars["LD_LIBRARY_PATH"]
    assert ld.startswith("/usr/local/Ascend/nnal/atb/latest/atb/cxx_abi_1/lib:") and ld.endswith("/driver/lib64/driver/:")
    sectioned = parse_collect_env(_text("vllm-ascend-6063-300IDuo-vllm-sectioned-format"))
    assert sectioned.env_vars["CUDA_VISIBLE_DEVICES"] == "4,5"


def test_no_cpu_or_log_lines_leak_into_fields():
    for name in NAMES:
        fields = parse_collect_env(_text(name)).fields
        assert not any(k.startswith(("Vulnerability", "NUMA", "L1d", "Flags", "INFO", "WARNING")) for k in fields)
        assert "Architecture" not in fields and "CPU(s)" not in fields


def test_stacks_against_the_matrix():
    """What the doctor concludes from each pasted report."""
    checks = {n: compat.check_stack(parse_collect_env(_text(n)).stack()) for n in NAMES}
    mismatches, note = checks["vllm-ascend-6271-910B3-25.2.0-cann8.5-openeuler"]
    assert note is None and [(m.component, m.severity) for m in mismatches] == [("driver", "WARN")]
    mismatches, note = checks["vllm-ascend-3689-A3-Ascend910-25.3.rc1"]
    assert mismatches == [] and "development build" in note
    mismatches, note = checks["vllm-ascend-1875-910B4-24.1.rc3-numpy2"]
    assert mismatches == [] and "development build" in note
    mismatches, note = checks["vllm-ascend-6063-300IDuo-vllm-sectioned-format"]
    assert mismatches == [] and "no vllm-ascend" in note


# ------------------------------------------------------------------ variants of the layouts


def test_bytes_and_crlf():
    text = _text("vllm-ascend-6271-910B3-25.2.0-cann8.5-openeuler")
    expected = parse_collect_env(text)
    assert parse_collect_env(text.replace("\n", "\r\n")) == expected
    assert parse_collect_env(text.encode("utf-8")) == expected


def test_markdown_wrapped_and_indented_pastes():
    text = _text("vllm-ascend-1875-910B4-24.1.rc3-numpy2")
    wrapped = "<details>\n<summary>The output of `python collect_env.py`</summary>\n\n```text\n" + text + "```\n</details>\n"
    assert parse_collect_env(wrapped).stack() == GOLDEN["vllm-ascend-1875-910B4-24.1.rc3-numpy2"]["stack"]
    indented = "\n".join("    " + line if line else line for line in text.split("\n"))
    report = parse_collect_env(indented)
    assert report.stack() == GOLDEN["vllm-ascend-1875-910B4-24.1.rc3-numpy2"]["stack"]
    assert report.npu_smi_text.split("\n")[0].startswith("    +---")


def test_npu_block_with_an_error_instead_of_a_table():
    text = ("Collecting environment information...\nPyTorch version: 2.5.1\nvLLM Version: 0.9.1\n"
            "vLLM Ascend Version: 0.9.1\n\nENV Variables:\nASCEND_RT_VISIBLE_DEVICES=0,1\n\n\nNPU:\n"
            "DrvMngGetConsoleLogLevel failed. (g_conLogLevel=3)\ndcmi module initialize failed. ret is -8005\n\n"
            "CANN:\nCould not collect\n")
    report = parse_collect_env(text)
    assert report.npu_smi_text == ("DrvMngGetConsoleLogLevel failed. (g_conLogLevel=3)\n"
                                   "dcmi module initialize failed. ret is -8005\n")
    assert report.driver_version is None
    assert report.cann_version is None
    assert report.env_vars == {"ASCEND_RT_VISIBLE_DEVICES": "0,1"}
    assert report.stack().vllm_ascend == "0.9.1"


def test_conda_lines_and_version_cfg_cann():
    text = ("Collecting environment information...\nPyTorch version: 2.5.1\n"
            "Versions of relevant libraries:\n[pip3] numpy==1.26.4\n"
            "[conda] torch-npu                 2.5.1rc1                 pypi_0    pypi\n"
            "[conda] vllm_ascend               0.7.3                    pypi_0    pypi\n"
            "[conda] numpy                     1.24.0                   pypi_0    pypi\n"
            "[pip3] vllm @ file:///vllm-workspace/vllm\n"
            "vLLM Version: 0.7.3\n\n"
            "runtime_running_version=[7.7.T20.0.B210:8.1.RC1]\n"
            "toolkit_running_version=[7.7.T20.0.B210:8.1.RC1]\n")
    report = parse_collect_env(text)
    assert report.packages == {"numpy": "1.26.4", "torch-npu": "2.5.1rc1", "vllm-ascend": "0.7.3"}
    assert report.cann_version == "8.1.RC1"
    stack = report.stack()
    assert (stack.vllm_ascend, stack.torch_npu, stack.cann) == ("0.7.3", "2.5.1rc1", "8.1.RC1")


def test_unknown_values_become_none_in_the_stack():
    text = "Collecting environment information...\nPyTorch version: N/A\nPython version: Could not collect\n"
    assert parse_collect_env(text).stack() == Stack()


def test_field_lookup_is_case_insensitive():
    report = parse_collect_env(_text("vllm-ascend-6271-910B3-25.2.0-cann8.5-openeuler"))
    assert report.field("vllm ascend version") == "0.13.0rc2"
    assert report.field("no such key") is None


NPU_SMI_TABLE = golden.sample_path("npu-smi-info", "vllm-ascend-622-910B2-x8-24.1.0")


@pytest.mark.parametrize("text", [
    "", "   \n\n", "hello world\n", "OS: Ubuntu 22.04\n",
    NPU_SMI_TABLE.read_text(encoding="utf-8") if NPU_SMI_TABLE.exists() else "+----+\n| npu-smi |\n",
    "package_name=Ascend-cann-toolkit\nversion=8.1.RC1\n",
    "PyTorch version: 2.5.1\x00\n",
    b"\x00\x01\x02",
])
def test_not_a_report_raises_parse_error(text):
    with pytest.raises(ParseError) as info:
        parse_collect_env(text)
    assert info.value.reason


# ------------------------------------------------------------------ fuzzing

_SEEDS = [_text(n) for n in NAMES]


@st.composite
def _mutated(draw):
    text = draw(st.sampled_from(_SEEDS))
    lines = text.split("\n")
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["drop", "dup", "insert", "cut", "swap", "truncate"]))
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        if op == "drop":
            del lines[at: at + draw(st.integers(1, 20))]
        elif op == "dup":
            lines.insert(at, lines[at])
        elif op == "insert":
            lines.insert(at, draw(st.text(max_size=80)))
        elif op == "cut":
            line = lines[at]
            lines[at] = line[: draw(st.integers(0, len(line)))]
        elif op == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        else:
            lines = lines[: at + 1]
    return "\n".join(lines)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.one_of(_mutated(), st.text(max_size=400), st.binary(max_size=400)))
def test_fuzz_only_result_or_parse_error(text):
    try:
        report = parse_collect_env(text)
    except ParseError as exc:
        assert isinstance(exc.reason, str) and exc.reason
        return
    assert isinstance(report, CollectEnv)
    report.stack()
    _ = report.driver_version
    compat.check_stack(report.stack())
