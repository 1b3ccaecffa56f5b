"""Snapshots come from strangers: nothing outside one is read or printed, nothing in one hangs the doctor."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.hostile.harness import assert_sane, doctor

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "atlas-800i-a2-healthy"
NPU_SMI_FILE = "npu-smi_info.txt"
SECRET_OUTSIDE = "outside-the-snapshot-7f3a9"


@pytest.fixture
def snap(tmp_path) -> Path:
    target = tmp_path / "snap"
    shutil.copytree(EXAMPLE, target)
    return target


@pytest.fixture
def outside(tmp_path) -> Path:
    path = tmp_path / "private.txt"
    path.write_text(f"root:{SECRET_OUTSIDE}:19000:0:99999:7:::\n")
    return path


def edit_manifest(snap: Path, change) -> None:
    manifest = json.loads((snap / "manifest.json").read_text())
    change(manifest)
    (snap / "manifest.json").write_text(json.dumps(manifest))


def replace_output(snap: Path, make) -> None:
    (snap / NPU_SMI_FILE).unlink()
    make(snap / NPU_SMI_FILE)


def check(snap: Path, *extra: str):
    return doctor("check", "--snapshot", str(snap), *extra, timeout=30)


def test_a_link_out_of_the_snapshot_is_not_followed(snap, outside):
    replace_output(snap, lambda p: p.symlink_to(outside))
    ran = check(snap, "--json")
    assert_sane(ran, 3, seconds=10, forbidden=(SECRET_OUTSIDE,))
    assert "symbolic link" in ran.out


def test_a_link_to_etc_shadow_is_not_followed(snap):
    replace_output(snap, lambda p: p.symlink_to("/etc/shadow"))
    ran = check(snap, "--json")
    assert_sane(ran, 3, seconds=10, forbidden=("root:",))


def test_a_hard_link_to_a_file_outside_is_not_read(snap, outside):
    replace_output(snap, lambda p: os.link(outside, p))
    ran = check(snap, "--json")
    assert_sane(ran, 3, seconds=10, forbidden=(SECRET_OUTSIDE,))
    assert "hard links" in ran.out


def test_a_fifo_in_the_snapshot_does_not_hang(snap):
    replace_output(snap, lambda p: os.mkfifo(p))
    ran = check(snap, "--json")
    assert_sane(ran, 3, seconds=10)
    assert "FIFO" in ran.out


def test_a_link_to_dev_zero_is_not_read(snap):
    replace_output(snap, lambda p: p.symlink_to("/dev/zero"))
    assert_sane(check(snap), 3, seconds=10)


def test_a_path_in_the_manifest_cannot_leave_the_snapshot(snap, outside):
    relative = os.path.relpath(outside, snap)

    def point_outside(manifest):
        manifest["items"][0]["output_file"] = relative
    edit_manifest(snap, point_outside)
    ran = check(snap, "--json")
    assert_sane(ran, 3, seconds=10, forbidden=(SECRET_OUTSIDE,))
    assert "not a file of the snapshot" in ran.out


def test_a_huge_output_file_is_cut_not_loaded(snap):
    replace_output(snap, lambda p: p.write_bytes(b"| NPU  Name |\n" * (100 * 1024 * 1024 // 14)))
    ran = check(snap, "--json")
    assert_sane(ran, 3, seconds=15)
    assert "past what a snapshot may hold" in ran.out


@pytest.mark.parametrize("make, message", [
    (lambda p, outside: p.symlink_to(outside), "symbolic link"),
    (lambda p, outside: os.mkfifo(p), "FIFO"),
    (lambda p, outside: p.write_bytes(b"{" * 200 + b"\n" + b" " * (20 * 1024 * 1024)), "more than 16 MiB"),
    (lambda p, outside: p.write_text("[" * 100000 + "]" * 100000), "nested too deeply"),
    (lambda p, outside: p.write_bytes(b"\xff\xfe\x00garbage"), "not valid JSON"),
], ids=["link", "fifo", "huge", "deep", "binary"])
def test_a_hostile_manifest_is_a_usage_error(snap, outside, make, message):
    (snap / "manifest.json").unlink()
    make(snap / "manifest.json", outside)
    ran = check(snap)
    assert_sane(ran, 2, seconds=10, forbidden=(SECRET_OUTSIDE,))
    assert message in ran.err


def test_a_manifest_with_no_items_cannot_decide(snap):
    edit_manifest(snap, lambda m: m.update(items=[]))
    ran = check(snap)
    assert_sane(ran, 3, seconds=10)
    assert "no evidence" in ran.err


def test_too_many_items_are_refused(snap):
    edit_manifest(snap, lambda m: m.update(items=[{"key": f"k{i}", "status": "ok"} for i in range(200_000)]))
    ran = check(snap)
    assert_sane(ran, 2, seconds=15)
    assert "at most 10000" in ran.err


@pytest.mark.parametrize("field, value", [
    ("exit_code", "zero"), ("argv", 7), ("argv", [1, 2]), ("duration_s", float("inf")), ("kind", "shell"),
    ("stderr", {"a": 1}),
])
def test_damaged_fields_are_named(snap, field, value):
    def damage(manifest):
        manifest["items"][0][field] = value
    edit_manifest(snap, damage)
    ran = check(snap)
    assert_sane(ran, 2, seconds=10)
    assert f"damaged {field}" in ran.err


def test_escape_sequences_in_captured_output_are_shown_not_obeyed(snap):
    replace_output(snap, lambda p: p.write_text("\x1b]0;pwned\x07\x1b[2J\x1b[31mError: dcmi -8005\r\n"))
    ran = check(snap)
    assert_sane(ran, 3, seconds=10)
    assert "\\x1b" in ran.out


def test_escape_sequences_in_manifest_fields_are_shown_not_obeyed(snap):
    def poison(manifest):
        item = next(i for i in manifest["items"] if i["key"] == "docker info")
        item.update(status="timeout", detail="\x1b[2J\x1b]0;title\x07killed", output_file=None)
    edit_manifest(snap, poison)
    ran = check(snap)
    assert_sane(ran, 3, seconds=10)


@pytest.mark.parametrize("kind", ["file", "fifo", "missing"])
def test_a_snapshot_that_is_not_a_directory(tmp_path, kind):
    target = tmp_path / "snap"
    if kind == "file":
        target.write_text("x")
    elif kind == "fifo":
        os.mkfifo(target)
    ran = check(target)
    assert_sane(ran, 2, seconds=10)
    assert "not a directory" in ran.err


def test_collect_onto_a_file_is_refused(tmp_path):
    target = tmp_path / "report.txt"
    target.write_text("mine")
    ran = doctor("collect", "--root", str(tmp_path), "-o", str(target), "--force", timeout=30)
    assert_sane(ran, 2, seconds=10)
    assert "not a directory" in ran.err and target.read_text() == "mine"


def test_collect_force_leaves_a_folder_that_is_not_a_snapshot(tmp_path):
    target = tmp_path / "home"
    target.mkdir()
    (target / "thesis.tex").write_text("years of work")
    ran = doctor("collect", "--root", str(tmp_path), "-o", str(target), "--force", timeout=30)
    assert_sane(ran, 2, seconds=10)
    assert "nothing was touched" in ran.err and (target / "thesis.tex").read_text() == "years of work"


def test_many_large_outputs_stop_at_the_snapshot_total(snap):
    manifest = json.loads((snap / "manifest.json").read_text())
    for i in range(20):
        (snap / f"big{i}.txt").write_bytes(b"| NPU  Name |\n" * (4 * 1024 * 1024 // 14))
        manifest["items"].append({"key": f"npu-smi info -x{i}", "status": "ok", "output_file": f"big{i}.txt"})
    (snap / "manifest.json").write_text(json.dumps(manifest))
    ran = check(snap)
    assert_sane(ran, 0, seconds=20)
