"""Read one upstream vllm-ascend file into what it says about a release's stack.

Every reader is a pure function from the file's text to plain data; none of them knows
where the text came from.  Versions come back as written upstream, with CANN spelled the
way Ascend spells it ("8.3.RC1", "9.1.0-beta.1") and PEP 440 versions without a "v".
"""

from __future__ import annotations

import re
from urllib.parse import unquote

_CANN_BASE = re.compile(
    r"^FROM\s+\S*/cann:(?P<cann>\S+?)-(?P<chip>910b|a3|310p|a5|950\w*)-(?P<os>[a-z]+[\d.]*)-py(?P<py>\d+\.\d+)\s*$",
    re.IGNORECASE | re.MULTILINE)
_VLLM_TAG = re.compile(r"^ARG\s+VLLM_TAG=[\"']?v?([^\"'\s]+)", re.MULTILINE)
_NPU_PIN = re.compile(r"torch[-_]npu==([0-9][\w.+]*)", re.IGNORECASE)
_NPU_WHEEL = re.compile(r"torch_npu-([0-9][\w.%+]*?)-(?:cp\d+|\$\{PYTHON_TAG\})", re.IGNORECASE)
_REQUIREMENT = re.compile(r"^\s*(torch|torch[-_]npu)\s*((?:[=<>!~]=?\s*[\w.*+]+\s*,?\s*)+)", re.IGNORECASE)
_QUOTED_REQUIREMENT = re.compile(r"[\"'](torch|torch[-_]npu)\s*((?:[=<>!~]=?\s*[\w.*+]+\s*,?\s*)+)[\"']",
                                 re.IGNORECASE)
_PYTHON_REQUIRES = re.compile(r"python_requires\s*=\s*[\"']([^\"']+)[\"']")
_CLASSIFIER = re.compile(r"Programming Language :: Python :: (3\.\d+)[\"']")
_INSTALL_PYTHON = re.compile(r"^\s*-\s*Python:\s*(.+?)\s*$", re.MULTILINE)
_INSTALL_ROW = re.compile(r"^\s*\|\s*(CANN|torch-npu|torch_npu|TorchNPU|torch)\s*\|\s*([^|]+?)\s*\|",
                          re.IGNORECASE | re.MULTILINE)

COMPONENT_NAMES = {"cann": "cann", "torch": "torch", "torch-npu": "torch_npu", "torch_npu": "torch_npu",
                   "torchnpu": "torch_npu"}


def cann_spelling(version: str) -> str:
    """The CANN version as Ascend writes it: image tags say "8.3.rc1", the docs "8.3.RC1"."""
    return re.sub(r"(?i)\brc(\d+)", r"RC\1", version.strip())


def public_version(version: str) -> str:
    """A PEP 440 version without its local label ("2.9.0.post1+git4c901a4" -> "2.9.0.post1")."""
    return unquote(version).split("+", 1)[0]


def dockerfile(text: str) -> dict:
    """{"cann", "chip", "os", "python", "vllm", "torch_npu": [...]} of one Dockerfile (values may be None)."""
    base = _CANN_BASE.search(text)
    vllm = _VLLM_TAG.search(text)
    npu = sorted({public_version(v) for v in _NPU_PIN.findall(text) + _NPU_WHEEL.findall(text)})
    return {
        "cann": cann_spelling(base.group("cann")) if base else None,
        "chip": base.group("chip").lower() if base else None,
        "os": base.group("os").lower() if base else None,
        "python": base.group("py") if base else None,
        "vllm": vllm.group(1) if vllm else None,
        "torch_npu": npu,
    }


def install_script(text: str) -> list[str]:
    """The torch-npu versions an install script (pta_install.sh) downloads."""
    return sorted({public_version(v) for v in _NPU_WHEEL.findall(text)})


def _specifier(text: str) -> str:
    return re.sub(r"\s+", "", text).rstrip(",")


def requirement_pins(text: str, quoted: bool = False) -> dict[str, str]:
    """{"torch": ">=2.5.1", "torch_npu": "==2.7.1"} from requirements.txt (or pyproject.toml's quoted list)."""
    pattern = _QUOTED_REQUIREMENT if quoted else _REQUIREMENT
    found: dict[str, str] = {}
    lines = [text] if quoted else [line.split("#", 1)[0] for line in text.splitlines()]
    for line in lines:
        for match in pattern.finditer(line):
            found.setdefault(COMPONENT_NAMES[match.group(1).lower()], _specifier(match.group(2)))
    return found


def setup_python(text: str) -> dict:
    """{"python_requires": ">=3.9" or None, "classifiers": ["3.9", ...]} of setup.py."""
    requires = _PYTHON_REQUIRES.search(text)
    minors = sorted(set(_CLASSIFIER.findall(text)), key=lambda v: tuple(int(p) for p in v.split(".")))
    return {"python_requires": _specifier(requires.group(1)) if requires else None, "classifiers": minors}


def python_range(text: str) -> str | None:
    """">=3.9,<3.12" from "3.9 or higher", ">= 3.9, < 3.12" or "3.9 - 3.12"; None if unreadable."""
    text = text.strip().strip("`")
    higher = re.fullmatch(r"(3\.\d+)\s+or higher", text)
    if higher:
        return f">={higher.group(1)}"
    span = re.fullmatch(r"(3\.\d+)\s*-\s*3\.(\d+)", text)
    if span:
        return f">={span.group(1)},<3.{int(span.group(2)) + 1}"
    spec = _specifier(text)
    return spec if re.fullmatch(r"([<>=!~]=?\d+(\.\d+)*,?)+", spec) else None


def installation(text: str) -> dict:
    """{"python": spec or None, "cann": [specs], "torch": [...], "torch_npu": [...]} of the install page.

    A page with one table per hardware family (A2/A3 and 310P) gives one spec per table.
    """
    found: dict = {"python": None, "cann": [], "torch": [], "torch_npu": []}
    python = _INSTALL_PYTHON.search(text)
    if python:
        found["python"] = python_range(python.group(1))
    for name, value in _INSTALL_ROW.findall(text):
        spec = _specifier(value)
        if not re.match(r"[<>=!~]=?\d", spec):
            continue
        component = COMPONENT_NAMES[name.lower()]
        if component == "cann":
            spec = cann_spelling(spec)
        if spec not in found[component]:
            found[component].append(spec)
    return found
