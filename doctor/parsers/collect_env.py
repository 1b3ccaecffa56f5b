"""`python -m vllm.collect_env` / vllm-ascend's collect_env report -> CollectEnv.

Layouts handled (all seen in pasted bug reports):

* vllm-ascend's report: "Key: value" lines, "Versions of relevant libraries:" with
  "[pip3] name==version" lines, "vLLM Version:", "vLLM Ascend Version:", an "ENV Variables:"
  block of NAME=value lines, an "NPU:" block holding the `npu-smi info` table and a "CANN:"
  block holding ascend_toolkit_install.info;
* the early variant without "vLLM Ascend Version" and without the "ENV Variables:" header
  (NAME=value lines follow the vLLM lines directly);
* upstream vLLM's older report (CUDA/ROCm lines, "vLLM Build Flags:" with its value on the
  next line, "GPU Topology:"), possibly pasted after a bare npu-smi table and toolkit info;
* upstream vLLM's sectioned report ("=====" / title / "=====" headers, "Key   : value");
* vLLM log lines before "Collecting environment information..." are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from doctor.parsers.errors import ParseError
from doctor.parsers.text import decode

if TYPE_CHECKING:  # pragma: no cover
    from doctor.compat import Stack

__all__ = ["CollectEnv", "parse_collect_env"]

_LOG_LINE = re.compile(r"^(?:INFO|WARNING|WARN|ERROR|DEBUG|CRITICAL)\s+\d\d-\d\d\s")
_PROC_LOG_LINE = re.compile(r"^\([A-Za-z]\w*(?:\s+pid=\d+)?\)\s")
_FIELD = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9 _.()/+#,-]{0,80}?)\s*:(?:\s+(?P<value>.*?))?\s*$")
_ENV_STRICT = re.compile(r"^(?P<name>[A-Z_][A-Z0-9_]*)=(?P<value>.*)$")
_ENV_LOOSE = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$")
_PACKAGE = re.compile(r"^\[(?P<tool>pip\d*|conda)\]\s+(?P<rest>.*?)\s*$")
_PIP_SPEC = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:===?|\s)\s*(?P<version>\S+)")
_RULE = re.compile(r"^={10,}$")
_DRIVER = re.compile(r"Version:\s*(?P<version>[0-9][0-9A-Za-z._-]*)")
_CFG_TOOLKIT = re.compile(r"^toolkit_(?:running|installed)_version=.*?:(?P<version>[0-9][0-9A-Za-z.]*)\]\s*$")

# old-format "Header:" lines that open a block rather than carry a value
_HEADERS = {
    "cpu": "cpu",
    "npu": "npu",
    "cann": "cann",
    "env variables": "env",
    "environment variables": "env",
    "versions of relevant libraries": "libs",
}
# sectioned-format titles
_SECTION_TITLES = {
    "cpu info": "cpu",
    "environment variables": "env",
    "versions of relevant libraries": "libs",
}
# keys whose value is printed on the following line(s)
_NEXT_LINE_KEYS = {"vllm build flags"}
_BLOCK_KEYS = {"gpu topology"}
_SIGNATURE_KEYS = {"pytorch version", "python version", "vllm version", "vllm ascend version", "is debug build"}
_UNKNOWN = {"", "n/a", "na", "none", "could not collect", "unknown"}


@dataclass(frozen=True)
class CollectEnv:
    fields: dict[str, str]          # "Key: value" lines ("PyTorch version", "OS", "vLLM Version", ...)
    packages: dict[str, str]        # "[pip3] torch-npu==2.5.1" -> {"torch-npu": "2.5.1"}; names canonical
    env_vars: dict[str, str]        # NAME=value lines (ASCEND_*, LD_LIBRARY_PATH, HCCL_*, ...)
    cann_version: str | None        # from the CANN block (toolkit install info / version.cfg)
    npu_smi_text: str | None        # the raw npu-smi block embedded in the report, if any

    def field(self, key: str) -> str | None:
        """A field by key, case-insensitively; None if absent."""
        wanted = key.strip().lower()
        for k, v in self.fields.items():
            if k.lower() == wanted:
                return v
        return None

    @property
    def driver_version(self) -> str | None:
        """The driver version from the npu-smi header ("Version: 24.1.rc3"), if a table is present."""
        if not self.npu_smi_text:
            return None
        for line in self.npu_smi_text.split("\n")[:6]:
            if "npu-smi" in line:
                m = _DRIVER.search(line)
                if m:
                    return m.group("version")
        return None

    def stack(self) -> "Stack":
        """The software stack the report describes (doctor.compat.Stack)."""
        from doctor.compat import Stack

        return Stack(
            python=_version_value(self.field("Python version")),
            vllm=_version_value(self.field("vLLM Version")) or self.packages.get("vllm"),
            vllm_ascend=_version_value(self.field("vLLM Ascend Version")) or self.packages.get("vllm-ascend"),
            torch=_version_value(self.field("PyTorch version")) or self.packages.get("torch"),
            torch_npu=self.packages.get("torch-npu"),
            cann=self.cann_version,
            driver=self.driver_version,
        )


def _version_value(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if value.lower() in _UNKNOWN:
        return None
    token = value.split()[0]
    return token if token[:1].isdigit() or token[:1] in "vV" else None


def _is_table_line(line: str) -> bool:
    stripped = line.lstrip()
    return stripped.startswith("+") or stripped.startswith("|")


def _header_of(line: str) -> str | None:
    stripped = line.strip()
    if not stripped.endswith(":"):
        return None
    return _HEADERS.get(stripped[:-1].strip().lower())


def _package(rest: str, tool: str) -> tuple[str, str] | None:
    if not rest or rest.lower().startswith("could not collect"):
        return None
    m = _PIP_SPEC.match(rest)
    if not m:
        return None
    name, version = m.group("name"), m.group("version")
    if not version[:1].isdigit():       # "name @ file:///...", conda channel columns, ...
        return None
    try:
        return canonicalize_name(name), version
    except Exception:  # pragma: no cover - canonicalize_name takes any string
        return None


def parse_collect_env(text: str | bytes) -> CollectEnv:
    """Parse a collect_env report.  Raises only ParseError."""
    try:
        return _parse(decode(text))
    except ParseError:
        raise
    except Exception as exc:  # a parser may raise nothing else
        raise ParseError(f"collect_env report could not be read ({type(exc).__name__}: {exc})",
                         text if isinstance(text, str) else "") from exc


def _parse(text: str) -> CollectEnv:
    if not text.strip():
        raise ParseError("empty input, not a collect_env report", text)
    lines = text.split("\n")
    fields: dict[str, str] = {}
    packages: dict[str, str] = {}
    env_vars: dict[str, str] = {}
    cann_block: str | None = None       # version from the CANN block / toolkit info
    cann_cfg: str | None = None         # version from a version.cfg excerpt
    npu_lines: list[str] | None = None
    signature = False

    section: str | None = None
    in_toolkit_info = False
    i = 0
    n = len(lines)
    while i < n:
        raw = lines[i]
        line = raw.strip()
        i += 1

        # ---- sectioned-format header: ===== / Title / =====
        if _RULE.match(line) and i + 1 < n and _RULE.match(lines[i + 1].strip()) and lines[i].strip():
            title = lines[i].strip().lower()
            section = _SECTION_TITLES.get(title)
            if title == "versions of relevant libraries":
                signature = True
            in_toolkit_info = False
            i += 2
            continue

        if section == "npu":
            if _header_of(line):
                section = None          # the next block starts; handle its header below
            else:
                if npu_lines is not None:
                    npu_lines.append(raw)
                continue

        if not line:
            if section == "cpu" or (section == "cann" and cann_block is not None):
                section = None
            in_toolkit_info = False
            continue

        if line.startswith("```") or (line.startswith("<") and line.endswith(">")):
            continue                    # markdown fence / <details> wrapper of a pasted report
        if _LOG_LINE.match(line) or _PROC_LOG_LINE.match(line):
            continue
        if line.startswith("Collecting environment information"):
            signature = True
            continue

        header = _header_of(line)
        if header:
            section = header
            in_toolkit_info = False
            if header == "libs":
                signature = True
            if header == "npu":
                npu_lines = [] if npu_lines is None else npu_lines
            continue

        if section == "cpu":
            continue

        # ---- npu-smi table pasted without an "NPU:" header
        if _is_table_line(raw):
            if npu_lines is None and line.startswith("+") and i < n and "npu-smi" in lines[i]:
                npu_lines = [raw]
                while i < n and _is_table_line(lines[i]):
                    npu_lines.append(lines[i])
                    i += 1
            continue

        # ---- packages
        m = _PACKAGE.match(line)
        if m:
            pkg = _package(m.group("rest"), m.group("tool"))
            if pkg and pkg[0] not in packages:
                packages[pkg[0]] = pkg[1]
            continue

        # ---- CANN information (vllm-ascend "CANN:" block, or a pasted install.info / version.cfg)
        lowered = line.lower()
        if lowered.startswith("package_name=ascend-cann") or lowered.startswith("package_name=ascend-nnae"):
            in_toolkit_info = True
            continue
        if section == "cann" or in_toolkit_info:
            if lowered.startswith("version=") and cann_block is None:
                value = line.split("=", 1)[1].strip()
                if value and value.lower() not in _UNKNOWN:
                    cann_block = value
                continue
            if _ENV_STRICT.match(line) is None and "=" in line:
                continue                # innerversion=, arch=, path=, ...
        m = _CFG_TOOLKIT.match(line)
        if m:
            if cann_cfg is None:
                cann_cfg = m.group("version")
            continue

        # ---- environment variables
        env = (_ENV_LOOSE if section == "env" else _ENV_STRICT).match(line)
        if env:
            env_vars.setdefault(env.group("name"), env.group("value"))
            continue
        if section == "env":
            section = None              # the block is over; read this line as a field

        # ---- Key: value
        m = _FIELD.match(line)
        if not m:
            continue
        key = m.group("key").strip()
        value = (m.group("value") or "").strip()
        low = key.lower()
        if low in _SIGNATURE_KEYS:
            signature = True
        if not value and low in _NEXT_LINE_KEYS:
            while i < n and not lines[i].strip():
                i += 1
            if i < n and not _RULE.match(lines[i].strip()):
                value = lines[i].strip()
                i += 1
        elif not value and low in _BLOCK_KEYS:
            block: list[str] = []
            while i < n and lines[i].strip() and not _RULE.match(lines[i].strip()) \
                    and not _ENV_STRICT.match(lines[i].strip()) and not _header_of(lines[i]):
                block.append(lines[i].strip())
                i += 1
            value = "\n".join(block)
        fields.setdefault(key, value)

    if not signature:
        raise ParseError("not a collect_env report: no 'Collecting environment information', "
                         "'PyTorch version', 'Python version' or 'vLLM Version' line", text)

    npu_text: str | None = None
    if npu_lines:
        while npu_lines and not npu_lines[-1].strip():
            npu_lines.pop()
        while npu_lines and not npu_lines[0].strip():
            npu_lines.pop(0)
        if npu_lines:
            npu_text = "\n".join(npu_lines) + "\n"

    return CollectEnv(
        fields=fields,
        packages=packages,
        env_vars=env_vars,
        cann_version=cann_block or cann_cfg,
        npu_smi_text=npu_text,
    )
