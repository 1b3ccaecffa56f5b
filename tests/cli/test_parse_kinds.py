"""`ascend-doctor parse KIND` for every kind of the table: each parser reachable, its JSON, bad input refused."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from doctor.commands.parse_kinds import KINDS
from tests.support import golden

PARSERS = Path(__file__).resolve().parents[2] / "doctor" / "parsers"
GARBLED = "\x1b[2J\x1b]0;owned\x07 #### none of the outputs ####\n" * 3


def _parser_modules() -> set[str]:
    """The modules of doctor/parsers that define a public parse function."""
    return {path.stem for path in PARSERS.glob("*.py") if _defines_a_parser(path)}


def _defines_a_parser(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(node, ast.FunctionDef) and node.name.startswith("parse") for node in tree.body)


def test_every_parser_module_is_reachable_from_the_table():
    assert _parser_modules(), "no parser found in doctor/parsers"
    assert _parser_modules() <= {kind.module for kind in KINDS.values()}


def test_every_kind_names_a_parser_and_a_view_that_exist():
    for name, kind in KINDS.items():
        assert callable(kind.parse_function()), name
        assert callable(kind.view_function()), name


def test_every_kind_has_a_real_sample():
    assert sorted(golden.KIND_SAMPLES) == sorted(KINDS)


def test_the_help_lists_every_kind(cli, capsys):
    assert cli("parse", "--help").code == 0
    shown = capsys.readouterr().out
    for name, kind in KINDS.items():
        assert f"  {name} " in shown and kind.output in shown


def test_an_unknown_kind_is_a_usage_error(cli, capsys):
    assert cli("parse", "nvidia-smi", "-").code == 2
    assert "invalid choice: 'nvidia-smi'" in capsys.readouterr().err


def document(ran) -> dict:
    return json.loads(ran.out)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_real_sample_prints_its_document(cli, kind):
    ran = cli("parse", kind, str(golden.kind_sample_path(kind)))
    assert ran.code == 0 and ran.err == ""
    doc = document(ran)
    if KINDS[kind].own_schema:
        assert doc["schema"] == "npu-smi-info/1" and doc["chips"]
    else:
        assert doc == {"schema": "ascend-doctor-parse/1", "kind": kind, "result": doc["result"], "error": None}
        assert doc["result"]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_garbled_text_is_refused_in_one_line_with_exit_3(cli, kind):
    ran = cli("parse", kind, "-", stdin=GARBLED)
    assert ran.code == 3
    (line,) = ran.err.splitlines()
    assert line.startswith(f"ascend-doctor: not readable as {KINDS[kind].output}: ") and "\x1b" not in line
    doc = document(ran)
    assert doc["error"]["text"] and doc.get("result") is None


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("share", [0.3, 0.7])
def test_a_sample_cut_short_is_read_or_refused(cli, kind, share):
    text = golden.kind_sample_path(kind).read_text(encoding="utf-8")
    ran = cli("parse", kind, "-", stdin=text[:int(len(text) * share)])
    assert ran.code in (0, 3)
    assert len(ran.err.splitlines()) == (ran.code == 3)
    doc = document(ran)
    assert (doc["error"] is None) == (ran.code == 0)


def result(cli, kind: str, text: str | None = None) -> object:
    ran = cli("parse", kind, "-", stdin=text if text is not None else golden.kind_sample_path(kind).read_bytes())
    assert ran.code == 0, ran.err
    return document(ran)["result"]


def test_what_the_views_add_to_the_records(cli):
    assert result(cli, "hccn-optical")["power_mw"]["Rx Power1"] == pytest.approx(0.0054)
    assert result(cli, "hccn-lldp")["switch_port"] == "400GE1/1/20:2"
    assert result(cli, "hccn-status")["speed_mbps"] == 200_000
    assert result(cli, "dev-ls")["davinci_ids"] == list(range(8))
    driver = result(cli, "version-file")
    assert driver["version"] == "23.0.7" and driver["compatible"]["compatible_version_fw"] == [["7.0.0", "7.1.99"]]
    assert result(cli, "version-cfg")["cann_version"] == "8.1.RC1"


def test_records_carry_what_they_derive(cli):
    link = result(cli, "hccn-link-stat")
    assert (link["current_state"], link["down_count"], link["changes"][0]["at"]) == ("DOWN", 2, "2022-08-01T14:44:40")
    assert [device["device_id"] for device in result(cli, "lspci")] == ["d802"] * 8
    assert result(cli, "dev-ls-l")[0]["permission_bits"] == 0o660


def test_collect_env_gives_the_stack_and_redacts_secrets(cli):
    report = result(cli, "collect-env")
    assert report["stack"] == {"python": "3.11.14", "vllm": "0.13.0", "vllm_ascend": "0.13.0rc2", "torch": "2.8.0+cpu",
                               "torch_npu": "2.8.0.post1", "cann": "8.5.0", "driver": "25.2.0"}
    assert report["npu_smi_text"].startswith("+---")
    pasted = golden.kind_sample_path("collect-env").read_text(encoding="utf-8").replace(
        "ENV Variables:\n", "ENV Variables:\nHF_TOKEN=hf_abcdefghijklmnopqrstuvwxyz0123456789\n")
    env = result(cli, "collect-env", pasted)["env_vars"]
    assert env["HF_TOKEN"] == "<redacted>" and env["ASCEND_TOOLKIT_HOME"] == "/usr/local/Ascend/cann-8.5.0"


def test_an_empty_lspci_means_no_device_matched(cli):
    assert result(cli, "lspci", "") == []
