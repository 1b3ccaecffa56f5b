"""`ascend-doctor diagnose`: text and JSON output, exit codes, several inputs, what to paste next."""

import json

from tests.support.check_table import fixture

BUSY = "dcmi module initialize failed. ret is -8005\n"


def test_a_named_fault_fails_and_quotes_the_line(cli, tmp_path):
    log = tmp_path / "log.txt"
    log.write_text("INFO start\n" + BUSY)
    ran = cli("diagnose", str(log))
    assert ran.code == 1
    assert "FAIL  SIG001 chip-held-by-another-process" in ran.out and "line 2: dcmi module" in ran.out
    assert "ascend-doctor explain SIG001" in ran.out


def test_json_document(cli):
    ran = cli("diagnose", "--json", "-", stdin=BUSY)
    doc = json.loads(ran.out)
    assert doc["schema"] == "ascend-doctor-diagnosis/1" and doc["exit_code"] == 1 == ran.code
    first = doc["findings"][0]
    assert {"code", "status", "summary", "evidence", "fix"} <= set(first) and first["code"] == "SIG001"
    assert first["quotes"] == [{"line": 1, "text": BUSY.strip()}]


def test_nothing_recognised_is_undecided_and_asks_for_more(cli):
    ran = cli("diagnose", "-", stdin="it does not work, please help\n")
    assert ran.code == 3 and "paste this next:" in ran.out and "`npu-smi info`" in ran.out


def test_a_warning_alone_exits_0(cli):
    ran = cli("diagnose", "-", stdin="ERROR: ld.so: object '/usr/lib/x/libjemalloc.so' from LD_PRELOAD cannot be "
                                     "preloaded (cannot open shared object file): ignored.\n")
    assert ran.code == 0 and "WARN  SIG006" in ran.out


def test_several_files_in_any_order(cli, tmp_path):
    (tmp_path / "a.txt").write_text("docker run --device /dev/davinci0 --device /dev/davinci_manager "
                                    "--device /dev/devmm_svm --device /dev/hisi_hdc -it img bash\n")
    (tmp_path / "b.log").write_bytes("错误 ImportError: libatb.so: cannot open shared object file\r\n".encode("gbk"))
    ran = cli("diagnose", "--json", str(tmp_path / "b.log"), str(tmp_path / "a.txt"))
    doc = json.loads(ran.out)
    assert {f["code"] for f in doc["findings"]} >= {"SIG013", "CMD003"}
    assert [i["encoding"] for i in doc["inputs"]] == ["gbk", "utf-8"]


def test_image_from_docker_run_meets_the_chip_of_the_table(cli):
    table = fixture("npu-smi-info/blog-800IA2-910B4-x8-25.0.rc1.1.txt")
    paste = table + "\ndocker run --device /dev/davinci0 -it quay.io/ascend/vllm-ascend:v0.11.0rc0-310p bash\n"
    doc = json.loads(cli("diagnose", "--json", "-", stdin=paste).out)
    env002 = [f for f in doc["findings"] if f["code"] == "ENV002"]
    assert env002 and env002[0]["status"] == "FAIL" and env002[0]["origin"] == "check"


def test_absent_evidence_is_a_skip_never_a_fail(cli):
    doc = json.loads(cli("diagnose", "--json", "-", stdin="vllm serve Qwen/Qwen3-8B\n").out)
    assert {c["status"] for c in doc["checks"]} == {"SKIP"} and doc["exit_code"] == 0


def test_a_missing_file_is_a_usage_error(cli, tmp_path):
    ran = cli("diagnose", str(tmp_path / "absent.log"))
    assert ran.code == 2 and "cannot read" in ran.err
