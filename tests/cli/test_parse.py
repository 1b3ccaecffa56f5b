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


def test_a_directory_is_a_usage_error(cli, tmp_path):
    ran = cli("parse", "npu-smi-info", str(tmp_path))
    assert ran.code == 2 and ran.out == ""
    assert "is a directory, not a regular file" in ran.err


def test_a_missing_file_is_a_usage_error(cli, tmp_path):
    ran = cli("parse", "npu-smi-info", str(tmp_path / "absent.txt"))
    assert ran.code == 2 and "cannot read" in ran.err and "No such file" in ran.err


def test_more_than_the_input_limit_is_a_usage_error(cli, monkeypatch):
    from doctor.commands import parse

    monkeypatch.setattr(parse, "INPUT_LIMIT", 1024)
    text = (FIXTURES / "blog-800IA2-910B4-x8-25.0.rc1.1.txt").read_bytes()
    ran = cli("parse", "npu-smi-info", "-", stdin=text)
    assert ran.code == 2 and ran.out == ""
    assert "standard input has more than 1 KiB, so it is not an npu-smi info output" in ran.err


def test_more_than_the_line_limit_is_a_usage_error(cli, monkeypatch):
    from doctor.commands import parse

    monkeypatch.setattr(parse, "LINE_LIMIT", 20)
    ran = cli("parse", "npu-smi-info", str(FIXTURES / "blog-800IA2-910B4-x8-25.0.rc1.1.txt"))
    assert ran.code == 2 and "has more than 20 lines" in ran.err


def test_closed_stdin_is_a_usage_error():
    import io

    from doctor.cli import main
    from doctor.runtime import Runtime

    err = io.StringIO()
    code = main(["parse", "npu-smi-info", "-"], Runtime(stdout=io.StringIO(), stderr=err, stdin=None, environ={}))
    assert code == 2 and "standard input is closed" in err.getvalue()


def test_an_error_line_is_quoted_on_stderr_without_its_escapes(cli):
    line = "dcmi module initialize failed. \x1b]0;owned\x07\x1b[2J ret is -8005\n"
    ran = cli("parse", "npu-smi-info", "-", stdin=line.encode())
    assert ran.code == 1 and json.loads(ran.out)["error"]["code"] == -8005
    assert "\x1b" not in ran.err and "\x07" not in ran.err and "\\x1b]0;owned\\x07" in ran.err
