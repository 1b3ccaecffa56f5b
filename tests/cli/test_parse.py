import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "npu-smi-info"
GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "npu-smi-info"


def test_file_to_schema_json(cli):
    name = "vllm-ascend-3689-A3-8x2chip-25.3.rc1-procs"
    ran = cli("parse", "npu-smi-info", str(FIXTURES / f"{name}.txt"))
    assert ran.code == 0
    assert json.loads(ran.out) == json.loads((GOLDEN / f"{name}.json").read_text())


def test_stdin(cli):
    text = (FIXTURES / "blog-800IA2-910B4-x8-25.0.rc1.1.txt").read_bytes()
    ran = cli("parse", "npu-smi-info", "-", stdin=text)
    doc = json.loads(ran.out)
    assert ran.code == 0 and doc["schema"] == "npu-smi-info/1" and len(doc["chips"]) == 8


def test_npu_smi_error_output_exits_1_with_the_code(cli):
    ran = cli("parse", "npu-smi-info", str(FIXTURES / "vllm-ascend-2698-error-dcmi-8005-in-container.txt"))
    doc = json.loads(ran.out)
    assert ran.code == 1
    assert doc["error"]["code"] == -8005 and doc["chips"] == []


def test_garbage_still_prints_json_and_exits_3(cli):
    ran = cli("parse", "npu-smi-info", "-", stdin=b"\x89PNG\x00\x01binary")
    doc = json.loads(ran.out)
    assert ran.code == 3
    assert doc["chips"] == [] and doc["error"]["code"] is None and doc["error"]["text"]


def test_truncated_before_any_chip_row(cli):
    head = "".join((FIXTURES / "blog-800IA2-910B4-x8-25.0.rc1.1.txt").read_text().splitlines(True)[:5])
    ran = cli("parse", "npu-smi-info", "-", stdin=head)
    assert ran.code == 3 and json.loads(ran.out)["chips"] == []
