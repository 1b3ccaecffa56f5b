"""The compatibility data and its evaluator."""

from __future__ import annotations

import datetime
import json
import re
from importlib import resources
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from doctor import compat
from doctor.compat import Stack

FIXTURES = Path(__file__).parent / "fixtures"


def _data(name: str) -> dict:
    return json.loads(resources.files("doctor").joinpath("data", name).read_text(encoding="utf-8"))


COMPAT = _data("compat.json")
PLATFORM = _data("platform.json")
ROWS = COMPAT["releases"]


def _assert_source(source) -> None:
    assert isinstance(source, dict), source
    assert str(source.get("url", "")).startswith("https://"), source
    if source.get("commit"):
        assert re.fullmatch(r"[0-9a-f]{40}", source["commit"]), source
        assert source["commit"] in source["url"], source
    else:
        assert source.get("doc_version") or "/issues/" in source["url"], "no commit: name the doc version"


# ------------------------------------------------------------------ the data files


def test_headers():
    assert COMPAT["schema"] == "compat/2"
    assert PLATFORM["schema"] == "platform/1"
    for data in (COMPAT, PLATFORM):
        datetime.date.fromisoformat(data["updated"])
    # The data is as new as the newest tag it read, not the day it was written.
    assert COMPAT["updated"] == max(r["released"] for r in ROWS)


def test_every_claim_and_driver_floor_and_platform_fact_has_a_source():
    for row in ROWS:
        for field in row["fields"].values():
            for claim in field["claims"]:
                assert claim["url"].startswith("https://github.com/vllm-project/vllm-ascend/blob/")
                assert claim["role"] in ("requires", "ships", "recommends")
    for entry in COMPAT["cann_min_driver"]:
        _assert_source(entry["source"])
        assert entry["kind"] in ("minimum", "paired", "inferred")
        assert (entry["kind"] == "inferred") == bool(entry.get("inferred_from"))
        if entry.get("warn_below"):
            _assert_source(entry["warn_source"])
    for variant in PLATFORM["image"]["variants"]:
        assert variant["sources"]
        for source in variant["sources"]:
            _assert_source(source)
    for rule in PLATFORM["socs"]:
        assert rule["sources"]
        for source in rule["sources"]:
            _assert_source(source)
    for family in PLATFORM["jemalloc"]["families"]:
        assert family["sources"]
        for source in family["sources"]:
            _assert_source(source)


@pytest.mark.parametrize("row", ROWS, ids=[r["tag"] for r in ROWS])
def test_rows_are_internally_consistent(row):
    va = Version(row["vllm_ascend"])
    assert row["tag"] == "v" + row["vllm_ascend"]
    assert not va.is_devrelease and not va.local
    summary = row["summary"]
    for vllm in summary["vllm"]:
        # a vllm-ascend release follows the vLLM minor line it is named after
        assert Version(vllm).release[:2] == va.release[:2], (row["tag"], vllm)
    spec = SpecifierSet(summary["python"])
    assert spec.contains("3.10.0") or spec.contains("3.9.0")
    assert not spec.contains("3.8.0")
    torch, npu = Version(summary["torch"]), Version(summary["torch_npu"])
    # torch-npu X.Y.Z[.postN][.devN] is the adapter for torch X.Y.Z
    assert npu.release[:3] == torch.release[:3], row["tag"]
    compat.ascend_version_key(summary["cann"])
    datetime.date.fromisoformat(row["released"])


def test_rows_are_unique_and_cover_recent_releases():
    versions = [r["vllm_ascend"] for r in ROWS]
    assert len(versions) == len(set(versions))
    for wanted in ("0.7.3", "0.9.1", "0.11.0", "0.13.0", "0.23.0", "0.24.0rc1", "0.25.1rc1"):
        assert wanted in versions


def test_every_cann_a_release_uses_has_a_driver_row():
    rows = {compat.ascend_version_key(e["cann"]) for e in COMPAT["cann_min_driver"]}
    for row in ROWS:
        for claim in row["fields"]["cann"]["claims"]:
            for alternative in claim["says"].split("||"):
                if alternative.strip().startswith("=="):
                    assert compat.ascend_version_key(alternative.strip()[2:]) in rows, (row["tag"], claim)
    for cann in ("8.3.RC1", "8.3.RC2", "8.5.1", "9.1.0-beta.1", "9.1.0"):
        assert compat.ascend_version_key(cann) in rows


def test_cann_driver_entries_are_ordered_data():
    seen = set()
    for entry in COMPAT["cann_min_driver"]:
        compat.ascend_version_key(entry["cann"])
        compat.ascend_version_key(entry["driver"])
        assert entry["cann"] not in seen
        seen.add(entry["cann"])


def test_platform_data_shapes():
    suffixes = {v["suffix"]: v["variant"] for v in PLATFORM["image"]["variants"]}
    assert suffixes == {"": "a2", "-openeuler": "a2", "-a3": "a3", "-a3-openeuler": "a3",
                        "-310p": "310p", "-310p-openeuler": "310p"}
    for rule in PLATFORM["socs"]:
        re.compile(rule["pattern"])
        for example in rule.get("examples", []):
            assert re.match(rule["pattern"], example, re.IGNORECASE), (rule["pattern"], example)


# ------------------------------------------------------------------ release lookup


@pytest.mark.parametrize("text", ["0.11.0rc0", "v0.11.0rc0", "0.11.0rc0+g1234", " 0.11.0rc0 (git sha: 1234)",
                                  "V0.11.0rc0"])
def test_release_for_is_tolerant(text):
    row = compat.release_for(text)
    assert row is not None and row["tag"] == "v0.11.0rc0"
    assert row["summary"]["torch_npu"] == "2.7.1.dev20250724"


def test_release_for_returns_a_copy():
    row = compat.release_for("0.11.0")
    row["summary"]["torch_npu"] = "tampered"
    assert compat.release_for("0.11.0")["summary"]["torch_npu"] == "2.7.1.post1"


@pytest.mark.parametrize("text, words", [
    ("0.11.0rc1.dev103+gdaa4dd0a5.d20251020", ["development build", "v0.11.0rc0"]),
    ("0.1.dev1+g507dce5", ["development build", "no release tag"]),
    ("0.99.0", ["newer than every release"]),
    ("0.9.1.post1", ["not a release"]),
    ("banana", ["not a PEP 440 version"]),
    ("", ["no vllm-ascend version"]),
    (None, ["no vllm-ascend version"]),
])
def test_release_lookup_explains_misses(text, words):
    row, reason = compat.release_lookup(text)
    assert row is None
    for word in words:
        assert word in reason


# ------------------------------------------------------------------ check_stack


def _severities(stack: Stack) -> list[tuple[str, str]]:
    return [(m.component, m.severity) for m in compat.check_stack(stack)[0]]


def test_summary_stack_of_every_release_never_fails():
    for row in ROWS:
        s = row["summary"]
        python = next(p for p in ("3.10.14", "3.9.18", "3.11.9", "3.12.3") if SpecifierSet(s["python"]).contains(p))
        stack = Stack(python=python, vllm=s["vllm"][-1] + "+empty", vllm_ascend=row["vllm_ascend"],
                      torch=s["torch"] + "+cpu", torch_npu=s["torch_npu"], cann=s["cann"])
        assert "FAIL" not in [sev for _, sev in _severities(stack)], row["tag"]


def test_wrong_torch_npu_fails_naming_every_source():
    stack = Stack(python="3.11.9", vllm="0.11.0rc3", vllm_ascend="v0.11.0rc0", torch="2.7.1", torch_npu="2.5.1",
                  cann="8.2.RC1")
    mismatches, note = compat.check_stack(stack)
    assert note is None
    assert [m.component for m in mismatches] == ["torch_npu"]
    m = mismatches[0]
    assert m.severity == "FAIL" and m.found == "2.5.1"
    assert "outside what every source allows" in m.expected and "==2.7.1.dev20250724" in m.expected
    assert "requirements.txt" in m.expected and m.source.startswith("https://github.com/vllm-project/vllm-ascend/")


def test_manual_upgrade_from_the_release_notes_warns_naming_it():
    mismatches = compat.check_stack(Stack(vllm_ascend="0.11.0", torch_npu="2.7.1"))[0]
    assert [(m.component, m.severity) for m in mismatches] == [("torch_npu", "WARN")]
    assert "release_notes.md" in mismatches[0].expected and "manual upgrade to 2.7.1.post1" in mismatches[0].expected
    assert compat.check_stack(Stack(vllm_ascend="0.11.0", torch_npu="2.7.1.post1"))[0] == []


def test_older_and_newer_torch_npu_builds_of_the_same_line():
    assert _severities(Stack(vllm_ascend="0.11.0rc1", torch_npu="2.7.1.dev20250724")) == [("torch_npu", "FAIL")]
    newer = compat.check_stack(Stack(vllm_ascend="0.11.0rc1", torch_npu="2.7.1.post1"))[0]
    assert [(m.component, m.severity) for m in newer] == [("torch_npu", "WARN")]
    assert "untested" in newer[0].expected


def test_local_labels_are_ignored():
    mismatches, _ = compat.check_stack(Stack(vllm_ascend="0.7.1rc1", vllm="0.7.1+empty", torch="2.5.1+cpu"))
    assert mismatches == []
    assert compat.check_stack(Stack(vllm_ascend="0.18.0", torch_npu="2.9.0.post1+git4c901a4"))[0] == []


def test_vllm_may_be_any_version_the_row_names():
    for vllm in ("0.10.1", "0.10.1.1"):
        assert compat.check_stack(Stack(vllm_ascend="0.10.1rc1", vllm=vllm))[0] == []
    bad = compat.check_stack(Stack(vllm_ascend="0.10.1rc1", vllm="0.9.2"))[0]
    assert bad[0].severity == "FAIL" and "==0.10.1 || ==0.10.1.1" in bad[0].expected


def test_python_outside_every_range_fails():
    mismatches, _ = compat.check_stack(Stack(vllm_ascend="0.12.0rc1", python="3.9.21 (main, Jan 1 2025)"))
    assert [(m.component, m.found, m.severity) for m in mismatches] == [("python", "3.9.21", "FAIL")]
    assert compat.check_stack(Stack(vllm_ascend="0.23.0rc1", python="3.12.1"))[0] == []
    assert _severities(Stack(vllm_ascend="0.20.2rc1", python="3.13.1")) == [("python", "FAIL")]


def test_cann_older_fails_newer_warns():
    assert _severities(Stack(vllm_ascend="0.11.0rc1", cann="8.2.RC1")) == [("cann", "FAIL")]
    newer = compat.check_stack(Stack(vllm_ascend="0.11.0rc1", cann="8.3.RC2"))[0]
    assert [(m.component, m.severity) for m in newer] == [("cann", "WARN")]
    assert compat.check_stack(Stack(vllm_ascend="0.11.0rc2", cann="8.3.rc2"))[0] == []


def test_release_newer_than_the_data_warns_against_the_newest_row():
    newest = compat.newest_release()
    mismatches, note = compat.check_stack(Stack(vllm_ascend="0.99.0", torch_npu="2.5.1"))
    assert note is None
    assert [(m.component, m.severity) for m in mismatches] == [("vllm_ascend", "WARN"), ("torch_npu", "WARN")]
    assert "older than this release" in mismatches[0].expected and "tools.compat_gen" in mismatches[0].expected
    assert newest["tag"] in mismatches[1].expected
    alone, _ = compat.check_stack(Stack(vllm_ascend="0.99.0"))
    assert [(m.component, m.severity) for m in alone] == [("vllm_ascend", "WARN")]


def test_no_release_or_a_development_build_is_undecided():
    mismatches, note = compat.check_stack(Stack(vllm_ascend="0.11.0rc1.dev103+gdaa4dd0a5.d20251020",
                                                torch_npu="2.7.1.dev20250724"))
    assert mismatches == [] and "development build" in note
    mismatches, note = compat.check_stack(Stack(torch_npu="2.5.1"))
    assert mismatches == [] and "no vllm-ascend" in note


def test_driver_is_checked_even_without_a_release():
    mismatches, note = compat.check_stack(Stack(cann="9.0.0", driver="25.3.rc1"))
    assert note is not None
    assert [(m.component, m.severity) for m in mismatches] == [("driver", "FAIL")]
    assert mismatches[0].expected.startswith("25.5.0 or newer")
    assert "hicann/release-management" in mismatches[0].source


def test_disagreeing_huawei_notes_fail_only_below_the_permissive_floor():
    """CANN 9.0.x's notes ask for HDK 25.5.1, CANN 9.1.0's accept 25.5.x: 25.5.0 warns, older fails."""
    for cann in ("8.5.2", "9.0.0", "9.0.1"):
        assert _severities(Stack(cann=cann, driver="25.5.0")) == [("driver", "WARN")]
        assert _severities(Stack(cann=cann, driver="25.3.rc1")) == [("driver", "FAIL")]
        assert _severities(Stack(cann=cann, driver="25.5.1")) == []
    assert _severities(Stack(cann="9.1.0", driver="25.5.0")) == []


def test_driver_uses_the_rows_cann_when_the_stack_has_none():
    mismatches, _ = compat.check_stack(Stack(vllm_ascend="0.13.0", driver="25.2.0"))
    assert [(m.component, m.severity) for m in mismatches] == [("driver", "WARN")]
    assert "of vllm-ascend v0.13.0" in mismatches[0].expected


def test_paired_and_inferred_driver_floors_only_warn():
    assert _severities(Stack(cann="8.5.0", driver="25.2.0")) == [("driver", "WARN")]
    for cann in ("8.3.RC1", "8.3.RC2", "8.5.1", "9.1.0-beta.1"):
        mismatches, _ = compat.check_stack(Stack(cann=cann, driver="24.1.rc3"))
        assert mismatches[0].severity == "WARN" and "nearest older release" in mismatches[0].expected, cann
    assert compat.check_stack(Stack(cann="8.5.0", driver="25.5.0"))[0] == []
    assert compat.check_stack(Stack(cann="8.5.0", driver="26.0.rc1"))[0] == []


def test_unreadable_versions_warn_instead_of_crashing():
    mismatches, _ = compat.check_stack(Stack(vllm_ascend="0.11.0", torch_npu="unknown", cann="V100R001C21",
                                             python="n/a", driver="??"))
    assert {m.component for m in mismatches} == {"torch_npu", "cann", "python"}
    assert all(m.severity == "WARN" for m in mismatches)
    mismatches, _ = compat.check_stack(Stack(cann="8.5.0", driver="??"))
    assert [(m.component, m.severity) for m in mismatches] == [("driver", "WARN")]


# ------------------------------------------------------------------ driver floors


@pytest.mark.parametrize("cann, driver", [
    ("8.0.0", "24.1.rc2"), ("8.1.RC1", "24.1.rc2"), ("8.2.RC1", "25.0.rc1"), ("8.5.0", "25.5.0"),
    ("8.5.2", "25.5.0"), ("9.0.0", "25.5.0"), ("CANN 9.0.1", "25.5.0"), ("8.2.rc1", "25.0.rc1"),
])
def test_min_driver_for_cann_records(cann, driver):
    assert compat.min_driver_for_cann(cann) == driver
    assert compat.min_driver_entry(cann)["inferred_from"] is None


def test_min_driver_for_unrecorded_cann_uses_the_nearest_older_record():
    assert compat.min_driver_for_cann("8.3.RC2") == "25.0.rc1"
    assert compat.min_driver_entry("8.3.RC2")["inferred_from"] == "8.2.RC1"
    assert compat.min_driver_for_cann("8.5.1") == "25.5.0"
    assert compat.min_driver_for_cann("8.1.T6") == "24.1.rc2"          # a test build before 8.1.RC1
    assert compat.min_driver_for_cann("7.0.T10") is None               # older than every record
    assert compat.min_driver_for_cann(None) is None
    assert compat.min_driver_for_cann("not a version") is None


# ------------------------------------------------------------------ Ascend version ordering

# Every CANN and driver/firmware version string found in the corpus samples (version files,
# collect_env reports, npu-smi headers), in the order they must sort.
CORPUS_CANN_ORDER = [
    "7.0.T10", "7.6.T13.0.B094", "7.7.T9.0.B057", "7.7.T12.0.B078", "7.7.T20.0.B210", "8.0.T63",
    "8.0.RC3", "8.0.0", "8.1.T6", "8.1.RC1", "8.2.RC1", "8.5.0",
]
CORPUS_DRIVER_ORDER = [
    "20.2.2", "22.0.0", "22.0.2", "22.0.4", "23.0.rc1", "23.0.rc2", "23.0.rc2.3", "23.0.rc3", "23.0.0",
    "23.0.2.1", "23.0.5", "23.0.7", "24.1.rc1", "24.1.rc2.2", "24.1.rc3", "24.1.0", "25.0.rc1.1", "25.2.0",
    "25.2.1", "25.3.rc1", "25.5.1",
]


@pytest.mark.parametrize("order", [CORPUS_CANN_ORDER, CORPUS_DRIVER_ORDER])
def test_ordering_on_corpus_versions(order):
    shuffled = list(reversed(order))
    assert sorted(shuffled, key=compat.ascend_version_key) == order
    for a, b in zip(order, order[1:]):
        assert compat.compare_ascend_versions(a, b) == -1
        assert compat.compare_ascend_versions(b, a) == 1


def _corpus_version_strings() -> set[str]:
    dirs = [FIXTURES / "version-files", FIXTURES / "collect-env"]
    shared = Path(__file__).resolve().parents[2] / "shared" / "corpus"
    dirs += [shared / "version-files", shared / "collect-env"]
    found: set[str] = set()
    patterns = [
        re.compile(r"^(?:version|Version|package_version)=(\d+\.\d+\.[0-9A-Za-z.]+)\s*$", re.M),
        re.compile(r":(\d+\.\d+\.[0-9A-Za-z.]+)\]"),
        re.compile(r"\[(\d+\.\d+\.[0-9A-Za-z.]+):"),
        re.compile(r"npu-smi (\d+\.\d+\.[0-9A-Za-z.]+)\s+Version: (\d+\.\d+\.[0-9A-Za-z.]+)"),
    ]
    for d in dirs:
        if not d.is_dir():
            continue
        for path in d.glob("*.txt"):
            text = path.read_text(encoding="utf-8", errors="replace")
            for pattern in patterns:
                for m in pattern.finditer(text):
                    found.update(g for g in m.groups() if g)
    return found


def test_every_version_string_in_the_corpus_parses():
    found = _corpus_version_strings()
    if not found:
        pytest.skip("no corpus samples beside the tests")
    # component versions such as ascendhal_version=7.35.19 are not release strings but still parse
    for text in found:
        compat.ascend_version_key(text)
    for text in CORPUS_CANN_ORDER + CORPUS_DRIVER_ORDER:
        compat.ascend_version_key(text)


@pytest.mark.parametrize("a, b, expected", [
    ("8.1.RC1", "8.1.rc1", 0),
    ("24.1.0", "24.1.0.0", 0),
    ("8.0.RC2.alpha002", "8.0.RC2", -1),
    ("8.0.RC2.alpha002", "8.0.RC1", 1),
    ("9.0.0-beta.1", "9.0.0", -1),
    ("9.0.0-beta.2", "9.0.0-beta.1", 1),
    ("8.5.0.alpha002", "8.3.RC2", 1),
    ("8.2.RC1.alpha003", "8.2.RC1.beta1", -1),
    ("7.1.0.11.220", "7.1.0.5.220", 1),
    ("25.0.rc1", "25.0.rc1.1", -1),
    ("Ascend HDK 25.2.0", "25.2.0", 0),
    ("npu-smi 24.1.rc3", "24.1.rc3", 0),
])
def test_compare_ascend_versions(a, b, expected):
    assert compat.compare_ascend_versions(a, b) == expected


@pytest.mark.parametrize("bad", ["", "8", "V100R001C21SPC001B238", "8.x.RC1", "8.1.RCX", "8.1.B12", None, 8.1])
def test_ascend_version_key_rejects_non_versions(bad):
    with pytest.raises(ValueError):
        compat.ascend_version_key(bad)


# ------------------------------------------------------------------ images, SoCs, jemalloc


@pytest.mark.parametrize("soc, two, variant", [
    ("910B1", False, "a2"), ("910B2C", False, "a2"), ("910B3", True, "a2"), ("910B4", False, "a2"),
    ("Ascend910B4", False, "a2"), ("ascend910b1", False, "a2"),
    ("Ascend910", True, "a3"), ("Ascend910", False, "unknown"), ("Ascend910_9392", False, "a3"),
    ("ascend910_9391", False, "a3"),
    ("310P3", False, "310p"), ("310P3", True, "310p"), ("Ascend310P1", False, "310p"),
    ("910ProB", False, "unsupported"), ("910A", False, "unsupported"), ("310B4", False, "unsupported"),
    ("xxx", False, "unknown"), ("", False, "unknown"),
])
def test_image_variant_for(soc, two, variant):
    assert compat.image_variant_for(soc, two_chips_per_npu=two) == variant


@pytest.mark.parametrize("tag, variant, version, os_", [
    ("v0.11.0rc0-a3", "a3", "0.11.0rc0", "ubuntu"),
    ("v0.11.0rc0", "a2", "0.11.0rc0", "ubuntu"),
    ("v0.11.0rc0-openeuler", "a2", "0.11.0rc0", "openeuler"),
    ("v0.11.0rc0-a3-openeuler", "a3", "0.11.0rc0", "openeuler"),
    ("v0.10.0rc1-310p", "310p", "0.10.0rc1", "ubuntu"),
    ("quay.io/ascend/vllm-ascend:v0.13.0-310p-openeuler", "310p", "0.13.0", "openeuler"),
    ("localhost:5000/ascend/vllm-ascend:v0.7.3.post1", "a2", "0.7.3.post1", "ubuntu"),
    ("quay.io/ascend/vllm-ascend:main-a3", "a3", None, "ubuntu"),
    ("quay.io/ascend/vllm-ascend", None, None, None),
    ("ubuntu:22.04", None, None, None),
    ("v0.9.1-dev", None, None, None),
    ("", None, None, None),
])
def test_image_tags(tag, variant, version, os_):
    assert compat.image_tag_variant(tag) == variant
    assert compat.image_tag_version(tag) == version
    assert compat.image_tag_os(tag) == os_


@pytest.mark.parametrize("os_id, arch, path, package", [
    ("ubuntu", "aarch64", "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2", ("apt", "libjemalloc2")),
    ("ubuntu", "x86_64", "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", ("apt", "libjemalloc2")),
    ("debian", "arm64", "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2", ("apt", "libjemalloc2")),
    ("openEuler", "aarch64", "/usr/lib64/libjemalloc.so.2", ("dnf", "jemalloc")),
    ('"openeuler"', "x86_64", "/usr/lib64/libjemalloc.so.2", ("dnf", "jemalloc")),
    ("kylin", "aarch64", "/usr/lib64/libjemalloc.so.2", ("dnf", "jemalloc")),
    ("centos", "x86_64", "/usr/lib64/libjemalloc.so.2", ("dnf", "jemalloc")),
    ("ubuntu", "ppc64le", None, ("apt", "libjemalloc2")),
    ("gentoo", "x86_64", None, None),
    ("", "", None, None),
])
def test_jemalloc(os_id, arch, path, package):
    assert compat.jemalloc_path(os_id, arch) == path
    assert compat.jemalloc_package(os_id) == package
