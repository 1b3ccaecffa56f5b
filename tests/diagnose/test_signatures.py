"""Every error signature matches a real sample from its public source, and each is held as data with
that source, a runbook page and `explain`."""

import os
import re
from pathlib import Path

import pytest

from doctor.diagnose.extract import Paste
from doctor.diagnose.signatures import match, signatures
from doctor.diagnose.runbooks import codes, render

RUNBOOKS = Path(__file__).resolve().parents[2] / "docs" / "runbooks"

# A line of output from each signature's public source (short error excerpts, quoted as printed).
SAMPLES = {
    "SIG001": ("https://github.com/vllm-project/vllm-ascend/issues/2698",
               "dcmi module initialize failed. ret is -8005"),
    "SIG002": ("https://github.com/Ascend/cann-container-image/issues/46",
               "dcmi model initialized failed, because the device is used. ret is -8020"),
    "SIG003": ("https://github.com/vllm-project/vllm-ascend/issues/1440",
               "libascend_hal.so: cannot open shared object file: No such file or directory"),
    "SIG004": ("https://github.com/vllm-project/vllm-ascend/issues/167",
               "(RayWorkerWrapper pid=118835) ERROR 02-26 09:45:37 worker_base.py:572]         The argument is "
               "invalid.Reason: Set visible device failed, invalid device=1, input visible devices:1"),
    "SIG005": ("https://github.com/vllm-project/vllm-ascend/issues/1875",
               "AttributeError: `np.float_` was removed in the NumPy 2.0 release. Use `np.float64` instead."),
    "SIG006": ("https://github.com/gpustack/gpustack/issues/5660",
               "ERROR: ld.so: object '/usr/lib/aarch64-linux-gnu/libjemalloc.so' from LD_PRELOAD cannot be "
               "preloaded (cannot open shared object file): ignored."),
    "SIG007": ("https://github.com/hiyouga/LlamaFactory/issues/3839",
               "EJ0001: 2024-05-21-11:57:54.167.645 Failed to initialize the HCCP process. Reason: Maybe the last "
               "training process is running."),
    "SIG008": ("https://github.com/vllm-project/vllm-ascend/issues/5461",
               "[PID: 749] 2025-12-29-03:16:15.787.356 Get_Socket_Timeout(EI0006): Getting socket times out."),
    "SIG009": ("https://github.com/vllm-project/vllm-ascend/issues/1955",
               "[ERROR] HCCL(2717288,python3):2025-07-23-03:47:57.070.463 [hccl_socket.cc:100] [2717288][HcclSocket]"
               "[Listen] socket type[1], listen on ip[192.168.20.160] and specific port[16666] fail."),
    "SIG010": ("https://github.com/vllm-project/vllm-ascend/issues/2725",
               "..[ERROR] the socversion Ascend910B1 of bin package does not match the current device socverison "
               "Ascend310P3. Please modify default socversion in run.sh"),
    "SIG011": ("https://github.com/gpustack/gpustack/issues/5014",
               "ValueError: System memory request exceeds memory available in /dev/shm."),
    "SIG012": ("https://github.com/AppDaemon/appdaemon/issues/283",
               "KeyError: 'getpwuid(): uid not found: 1000'"),
    "SIG013": ("https://github.com/vllm-project/vllm-ascend/issues/152",
               "ImportError: libatb.so: cannot open shared object file: No such file or directory"),
    "SIG014": ("https://github.com/vllm-project/vllm-ascend/blob/main/docs/source/faqs.md",
               "RuntimeError: Failed to infer device type"),
    "SIG015": ("https://github.com/vllm-project/vllm-ascend/issues/4866",
               "[Get][SingleDeviceIp]'device_ip' is not set correctly,must be set when multi Server or "
               "HCCL_INTRA_ROCE_ENABLE enabled"),
}
EVERY = signatures()


def test_every_signature_has_a_sample():
    assert set(SAMPLES) == {s.code for s in EVERY}


@pytest.mark.parametrize("sig", EVERY, ids=[s.code for s in EVERY])
def test_the_sample_names_its_signature_first(sig):
    url, sample = SAMPLES[sig.code]
    assert url in {s["url"] for s in sig.sources}, "the sample comes from a source the entry cites"
    found = match(Paste("INFO starting\n" + sample + "\nINFO done\n"))
    assert [f.code for f in found] == [sig.code]
    assert found[0].quotes[0].line >= 2 and sample.split("\n")[-1].strip()[:40] in found[0].evidence


@pytest.mark.parametrize("sig", EVERY, ids=[s.code for s in EVERY])
def test_every_signature_is_complete_data(sig):
    assert re.fullmatch(r"SIG\d{3}", sig.code) and sig.root_cause and sig.fix and sig.paste_next
    assert all(s["url"].startswith("https://") and s["what"] for s in sig.sources)
    for needle, regex in sig.patterns:
        assert needle, "a needle keeps the regex from running on every log"


@pytest.mark.parametrize("code", codes())
def test_the_runbook_page_is_the_data(code):
    """docs/runbooks/CODE.md of every SIG and CMD code is its rendering (UPDATE_GOLDEN=1 rewrites them)."""
    page = RUNBOOKS / f"{code}.md"
    if os.environ.get("UPDATE_GOLDEN"):
        page.write_text(render(code), encoding="utf-8")
    assert page.read_text(encoding="utf-8") == render(code), "UPDATE_GOLDEN=1 pytest tests/diagnose rewrites it"


def test_explain_prints_a_signature_page_and_a_command_rule_page(cli):
    ran = cli("explain", "sig007")
    assert ran.code == 0 and ran.out.startswith("# SIG007 stale-process-holds-hccp")
    by_name = cli("explain", "driver-mounts-missing")
    assert by_name.code == 0 and by_name.out.startswith("# CMD003")
    assert cli("explain", "SIG999").code == 2


def test_codes_are_unique():
    codes = [s.code for s in EVERY]
    assert len(codes) == len(set(codes))


def test_a_healthy_serving_log_matches_nothing():
    log = ("INFO 06-18 10:59:31 [__init__.py:239] Platform plugin ascend is activated\n"
           "INFO:     Started server process [1]\nINFO:     Application startup complete.\n")
    assert match(Paste(log)) == []
