"""Every sample under tests/fixtures is the corpus file it claims to be, and has its metadata.

tests/fixtures/index.json is the corpus index, copied byte for byte: one entry per sample
with its ``category/name.txt`` path and sha256. The ``docker`` folder holds captures made
by this project, not corpus files: they are not indexed, only their metadata is checked.
The ``upstream`` folder holds other repositories' files as tools/compat_gen read them, described
by their own SOURCES.json (tests/test_compat_gen.py checks it). The ``vllm_bench`` folder holds
result files of vLLM's serving benchmark, described by its SOURCES.md (tests/benchmark checks it).
The ``lm_eval`` folder holds results files lm-eval wrote in this project's runs, each named in its
SOURCES.md.
"""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from tests.support import golden

CORPUS_CATEGORIES = ("npu-smi-info", "npu-smi-t", "version-files", "hccn", "dev-listing", "collect-env")
PROJECT_CAPTURES = "docker"
UPSTREAM_RECORDS = "upstream"
BENCH_RESULTS = "vllm_bench"
LM_EVAL_RESULTS = "lm_eval"

INDEX = json.loads((golden.FIXTURES / "index.json").read_text(encoding="utf-8"))
INDEXED = {entry["file"]: entry for entry in INDEX}


def _text_files(category: str) -> list[str]:
    return [f"{category}/{path.name}" for path in sorted((golden.FIXTURES / category).glob("*.txt"))]


CORPUS_FIXTURES = [file for category in CORPUS_CATEGORIES for file in _text_files(category)]
PROJECT_FIXTURES = _text_files(PROJECT_CAPTURES)


def _meta_of(file: str) -> str:
    """``x.txt`` -> ``x.meta.json``; ``x.stderr.txt``, the stderr half of capture ``x``, shares it."""
    capture = file[: -len(".txt")].removesuffix(".stderr")
    return f"{capture}.meta.json"


def test_index_lists_each_sample_once_under_its_category() -> None:
    assert len(INDEXED) == len(INDEX)
    for entry in INDEX:
        category, _, file_name = entry["file"].partition("/")
        assert entry["category"] == category, entry["file"]
        assert file_name.endswith(".txt") and "/" not in file_name, entry["file"]
        assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]), entry["file"]
    assert {entry["category"] for entry in INDEX} == set(CORPUS_CATEGORIES)


def test_fixture_folders_are_corpus_categories_or_project_captures() -> None:
    folders = {path.name for path in golden.FIXTURES.iterdir() if path.is_dir()}
    assert folders == {*CORPUS_CATEGORIES, PROJECT_CAPTURES, UPSTREAM_RECORDS, BENCH_RESULTS, LM_EVAL_RESULTS}


def test_each_lm_eval_results_file_is_named_in_its_sources() -> None:
    folder = golden.FIXTURES / LM_EVAL_RESULTS
    sources = (folder / "SOURCES.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in folder.iterdir() if p.name != "SOURCES.md")
    assert files and all(f"| {name} |" in sources for name in files), files


def test_the_corpus_fixtures_are_exactly_the_indexed_files() -> None:
    assert sorted(INDEXED) == sorted(CORPUS_FIXTURES)


@pytest.mark.parametrize("file", CORPUS_FIXTURES)
def test_corpus_fixture_matches_its_index_entry(file: str) -> None:
    assert file in INDEXED, f"{file} is not listed in tests/fixtures/index.json"
    digest = hashlib.sha256((golden.FIXTURES / file).read_bytes()).hexdigest()
    assert digest == INDEXED[file]["sha256"]


@pytest.mark.parametrize("file", CORPUS_FIXTURES + PROJECT_FIXTURES)
def test_fixture_has_its_meta(file: str) -> None:
    meta = golden.FIXTURES / _meta_of(file)
    assert meta.is_file(), f"{file} has no {meta.name}"
    assert isinstance(json.loads(meta.read_text(encoding="utf-8")), dict)


@pytest.mark.parametrize("file", [file for file in PROJECT_FIXTURES if file.endswith(".stderr.txt")])
def test_stderr_capture_has_its_stdout_half(file: str) -> None:
    assert (golden.FIXTURES / file.replace(".stderr.txt", ".txt")).is_file()
