"""Read the release compatibility matrix (versioning_policy.md) and the release notes."""

from __future__ import annotations

import re

from tools.compat_gen.readers import cann_spelling, public_version, python_range

_NOTES_SECTION = re.compile(r"^## (v\d\S*)", re.MULTILINE)
_MANUAL = re.compile(r"by yourself|by hand|manually|not be installed by default|can't install by default",
                     re.IGNORECASE)
_UPGRADED_TO = re.compile(r"(torch[-_]npu|CANN)\b[^.]*?upgraded? to\s+`?v?(\d[\w.+-]*\w)", re.IGNORECASE)
_COLUMNS = {"vllm ascend": "tag", "vllm-ascend": "tag", "vllm": "vllm", "python": "python",
            "stable cann": "cann", "pytorch/torch_npu": "torch"}


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _header(line: str) -> list[str] | None:
    names = [_COLUMNS.get(cell.lower()) for cell in _cells(line)]
    if "tag" in names and "cann" in names and "torch" in names:
        return names
    return None


def _row(names: list[str], cells: list[str]) -> dict | None:
    values = dict(zip(names, cells))
    tag = values.get("tag", "")
    if not re.fullmatch(r"v\d+\.\d+\.\d+\S*", tag):
        return None
    torch, _, npu = values.get("torch", "").partition("/")
    vllm = [v.strip().lstrip("v") for v in values.get("vllm", "").split("/") if v.strip()]
    return {"tag": tag, "vllm": vllm, "python": python_range(values.get("python", "")),
            "cann": cann_spelling(values["cann"]) if values.get("cann") else None,
            "torch": torch.strip() or None, "torch_npu": npu.strip() or None}


def matrix_rows(text: str) -> dict[str, dict]:
    """{tag: {"vllm": [...], "python", "cann", "torch", "torch_npu"}} for every release row of the matrix."""
    rows: dict[str, dict] = {}
    names: list[str] | None = None
    for line in text.splitlines():
        if not line.lstrip().startswith("|"):
            names = None
            continue
        if names is None:
            names = _header(line)
            continue
        row = _row(names, _cells(line))
        if row:
            rows.setdefault(row["tag"], row)
    return rows


def manual_upgrades(text: str) -> dict[str, list[dict]]:
    """{tag: [{"component", "version", "line"}]}: what each release's notes ask users to install by hand."""
    found: dict[str, list[dict]] = {}
    sections = _NOTES_SECTION.split(text)
    for tag, body in zip(sections[1::2], sections[2::2]):
        for line in body.splitlines():
            if not _MANUAL.search(line):
                continue
            match = _UPGRADED_TO.search(line)
            if not match:
                continue
            component = "cann" if match.group(1).lower() == "cann" else "torch_npu"
            version = cann_spelling(match.group(2)) if component == "cann" else public_version(match.group(2))
            found.setdefault(tag, []).append({"component": component, "version": version,
                                              "line": line.strip().lstrip("-* ").strip()[:240]})
    return found
