"""The generator of doctor/data/compat.json, replayed on the recorded upstream files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tools.compat_gen import drivers, matrix, readers
from tools.compat_gen.excerpts import excerpt
from tools.compat_gen.generate import generate, render
from tools.compat_gen.upstream import SOURCES_NOTE, Fixtures

ROOT = Path(__file__).resolve().parents[1]
UPSTREAM = ROOT / "tests" / "fixtures" / "upstream" / "vllm-ascend"
DATA = ROOT / "doctor" / "data" / "compat.json"


def _file(tag: str, path: str) -> str:
    return (UPSTREAM / tag / path).read_text(encoding="utf-8")


def test_shipped_data_is_exactly_the_generator_output():
    """compat.json only changes through the generator: rerun it on the recorded files."""
    assert DATA.read_text(encoding="utf-8") == render(generate(Fixtures(UPSTREAM)))


def test_every_recorded_file_is_named_with_its_tag_and_commit():
    note = json.loads((UPSTREAM / SOURCES_NOTE).read_text(encoding="utf-8"))
    assert note["repo"] == "https://github.com/vllm-project/vllm-ascend"
    recorded = {str(p.relative_to(UPSTREAM)) for p in UPSTREAM.rglob("*") if p.is_file()} - {SOURCES_NOTE}
    named = {f"{tag}/{path}" for tag, entry in note["tags"].items() for path in entry["files"]}
    assert recorded == named
    for entry in note["tags"].values():
        assert len(entry["commit"]) == 40 and entry["date"][:2] == "20"
    for tag in ("v0.23.0", "v0.24.0rc1", "v0.25.1rc1"):
        assert tag in note["tags"]


def test_recorded_files_hold_only_the_lines_the_generator_reads():
    for path in (p for p in UPSTREAM.rglob("*") if p.is_file() and p.name != SOURCES_NOTE):
        text = path.read_text(encoding="utf-8")
        assert excerpt(path.name, text) == text, path


def test_an_excerpt_keeps_the_facts_and_the_gaps_between_tables():
    page = "# Title\nsome prose\n| vLLM Ascend | CANN |\n|---|---|\n| v0.9.0 | 8.1.RC1 |\nmore prose\n\n| other |\n"
    assert excerpt("docs/source/community/versioning_policy.md", page) == (
        "\n| vLLM Ascend | CANN |\n|---|---|\n| v0.9.0 | 8.1.RC1 |\n\n| other |\n")
    setup = 'import os\nsetup(\n    python_requires=">=3.9",\n    "Programming Language :: Python :: 3.10",\n)\n'
    assert excerpt("setup.py", setup) == '\n    python_requires=">=3.9",\n    "Programming Language :: Python :: 3.10",\n\n'


def test_dockerfiles_give_the_base_image_cann_python_and_torch_npu():
    image = readers.dockerfile(_file("v0.11.0", "Dockerfile.a3"))
    assert (image["cann"], image["chip"], image["python"], image["vllm"]) == ("8.3.RC2", "a3", "3.11", "0.11.0")
    assert readers.dockerfile(_file("v0.18.0", "Dockerfile"))["torch_npu"] == ["2.9.0.post1"]
    assert readers.dockerfile(_file("v0.13.0rc2", "Dockerfile.310p"))["torch_npu"] == ["2.8.0.post1"]
    assert readers.dockerfile(_file("v0.25.1rc1", "Dockerfile.310p"))["cann"] == "9.1.0-beta.1"
    assert readers.install_script(_file("v0.7.1rc1", "pta_install.sh")) == ["2.5.1.dev20250218"]


def test_package_pins_setup_and_install_page():
    assert readers.requirement_pins(_file("v0.11.0", "requirements.txt")) == {"torch": "==2.7.1",
                                                                              "torch_npu": "==2.7.1"}
    assert readers.requirement_pins(_file("v0.11.0", "pyproject.toml"), quoted=True)["torch_npu"] == "==2.7.1"
    assert readers.setup_python(_file("v0.8.4rc1", "setup.py"))["classifiers"] == ["3.9", "3.10", "3.11", "3.12"]
    page = readers.installation(_file("v0.11.0", "docs/source/installation.md"))
    assert page["python"] == ">=3.9,<3.12" and page["cann"] == [">=8.3.RC1"]
    page = readers.installation(_file("v0.25.1rc1", "docs/source/installation.md"))
    assert page["cann"] == ["==9.0.1", "==9.1.0-beta.1"]


def test_matrix_and_manual_upgrades():
    rows = matrix.matrix_rows(_file("v0.25.1rc1", "docs/source/community/versioning_policy.md"))
    assert rows["v0.10.1rc1"]["vllm"] == ["0.10.1", "0.10.1.1"]
    old = matrix.matrix_rows(_file("v0.8.4rc1", "docs/source/developer_guide/versioning_policy.md"))
    assert old["v0.8.4rc1"]["python"] == ">=3.9,<3.13"
    notes = matrix.manual_upgrades(_file("v0.25.1rc1", "docs/source/user_guide/release_notes.md"))
    assert {"component": "torch_npu", "version": "2.7.1.post1"}.items() <= notes["v0.11.0"][0].items()


def test_disagreeing_huawei_notes_keep_the_permissive_floor_for_fail():
    source = {"url": "https://example.invalid/notes"}
    facts = [{"cann": "9.0.0", "driver": "25.5.1", "kind": "minimum", "source": source},
             {"cann": "9.1.0", "driver": "25.5.0", "kind": "minimum", "source": source}]
    rows = {r["cann"]: r for r in drivers.driver_rows({"9.0.1", "9.1.0"}, facts)}
    assert (rows["9.0.0"]["driver"], rows["9.0.0"]["warn_below"]) == ("25.5.0", "25.5.1")
    assert rows["9.0.1"]["kind"] == "inferred" and rows["9.0.1"]["inferred_from"] == "9.0.0"
    assert "warn_below" not in rows["9.1.0"]


def test_bad_input_is_a_message_not_a_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-m", "tools.compat_gen", "--fixtures", str(tmp_path), "--check"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and "SOURCES.json is missing or malformed" in done.stderr
    assert "Traceback" not in done.stderr
    done = subprocess.run([sys.executable, "-m", "tools.compat_gen", "--repo", str(tmp_path), "--check"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and "compat_gen:" in done.stderr and "Traceback" not in done.stderr
