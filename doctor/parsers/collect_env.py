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
# The key of a "Key: value" line (_key_and_value).
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9 _.()/+#,-]{0,80}")
_ENV_STRICT = re.compile(r"^(?P<name>[A-Z_][A-Z0-9_]*)=(?P<value>.*)$")
_ENV_LOOSE = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$")
# Matched on stripped lines: a lazy `(.*?)\s*$` would try its `\s*$` at every blank of a long run.
_PACKAGE = re.compile(r"^\[(?P<tool>pip\d*|conda)\]\s+(?P<rest>.*)$")
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
    reader = _ReportReader(text.split("\n"))
    reader.read()
    if not reader.signature:
        raise ParseError("not a collect_env report: no 'Collecting environment information', "
                         "'PyTorch version', 'Python version' or 'vLLM Version' line", text)
    return reader.report()


def _is_noise(line: str) -> bool:
    """A markdown fence, a <details> wrapper of a pasted report, or a vLLM log line."""
    if line.startswith("```") or (line.startswith("<") and line.endswith(">")):
        return True
    return bool(_LOG_LINE.match(line) or _PROC_LOG_LINE.match(line))


def _key_and_value(line: str) -> tuple[str, str] | None:
    """A stripped "Key: value" line split at its first colon; None for any other line.

    `Key\\s*:(\\s+(.*?))?\\s*$`, the one regex this replaces, tried its closing `\\s*$` at every
    blank of a long run of them: quadratic in the run.
    """
    head, colon, rest = line.partition(":")
    key = head.rstrip()
    if not colon or not _KEY.fullmatch(key) or (rest and not rest[0].isspace()):
        return None
    return key, rest.strip()


def _continues_block(raw: str) -> bool:
    """A line of a multi-line value ("GPU Topology:"): the value ends at a blank line or the next part."""
    line = raw.strip()
    return bool(line) and not _RULE.match(line) and not _ENV_STRICT.match(line) and not _header_of(raw)


def _npu_text(lines: list[str] | None) -> str | None:
    """The npu-smi block without its leading and trailing blank lines; None if nothing is left."""
    if not lines:
        return None
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end]) + "\n" if start < end else None


class _ReportReader:
    """Reads a report's lines once, front to back, into fields, packages, environment variables,
    the CANN version and the npu-smi block. A few parts take the lines after them too."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.at = 0                             # the next line to read
        self.fields: dict[str, str] = {}
        self.packages: dict[str, str] = {}
        self.env_vars: dict[str, str] = {}
        self.cann_block: str | None = None      # version from the CANN block / toolkit info
        self.cann_cfg: str | None = None        # version from a version.cfg excerpt
        self.npu_lines: list[str] | None = None
        self.signature = False                  # a line only a collect_env report has was seen
        self.section: str | None = None         # the block being read: cpu, npu, cann, env or libs
        self.in_toolkit_info = False

    def read(self) -> None:
        while self.at < len(self.lines):
            raw = self.lines[self.at]
            self.at += 1
            self._read_line(raw)

    def report(self) -> CollectEnv:
        return CollectEnv(
            fields=self.fields,
            packages=self.packages,
            env_vars=self.env_vars,
            cann_version=self.cann_block or self.cann_cfg,
            npu_smi_text=_npu_text(self.npu_lines),
        )

    def _read_line(self, raw: str) -> None:
        line = raw.strip()
        if self._section_title(line) or self._npu_block_line(raw, line):
            return
        if not line:
            self._end_of_paragraph()
        elif _is_noise(line):
            pass
        elif line.startswith("Collecting environment information"):
            self.signature = True
        elif self._block_header(line) or self.section == "cpu":
            pass
        elif _is_table_line(raw):
            self._bare_npu_table(raw, line)
        elif not (self._package_line(line) or self._cann_line(line) or self._env_var(line)):
            self._field(line)

    def _section_title(self, line: str) -> bool:
        """A sectioned report's "=====" / title / "=====" header, taken whole."""
        lines, at = self.lines, self.at
        if not (_RULE.match(line) and at + 1 < len(lines) and _RULE.match(lines[at + 1].strip()) and lines[at].strip()):
            return False
        title = lines[at].strip().lower()
        self.section = _SECTION_TITLES.get(title)
        if title == "versions of relevant libraries":
            self.signature = True
        self.in_toolkit_info = False
        self.at += 2
        return True

    def _npu_block_line(self, raw: str, line: str) -> bool:
        """Inside an "NPU:" block each line is kept as printed, up to the next block's header."""
        if self.section != "npu":
            return False
        if _header_of(line):
            self.section = None                 # the next block starts; its header is read below
            return False
        self.npu_lines.append(raw)
        return True

    def _end_of_paragraph(self) -> None:
        if self.section == "cpu" or (self.section == "cann" and self.cann_block is not None):
            self.section = None
        self.in_toolkit_info = False

    def _block_header(self, line: str) -> bool:
        """An old-format "Header:" line that opens a block ("NPU:", "CANN:", "ENV Variables:" ...)."""
        header = _header_of(line)
        if not header:
            return False
        self.section = header
        self.in_toolkit_info = False
        if header == "libs":
            self.signature = True
        if header == "npu" and self.npu_lines is None:
            self.npu_lines = []
        return True

    def _bare_npu_table(self, raw: str, line: str) -> None:
        """An npu-smi table pasted without an "NPU:" header is kept whole; other table lines are skipped."""
        lines = self.lines
        starts_table = line.startswith("+") and self.at < len(lines) and "npu-smi" in lines[self.at]
        if self.npu_lines is not None or not starts_table:
            return
        self.npu_lines = [raw]
        while self.at < len(lines) and _is_table_line(lines[self.at]):
            self.npu_lines.append(lines[self.at])
            self.at += 1

    def _package_line(self, line: str) -> bool:
        """A "[pip3] name==version" or "[conda] name version ..." line; the first of a name counts."""
        match = _PACKAGE.match(line)
        if not match:
            return False
        package = _package(match.group("rest"), match.group("tool"))
        if package and package[0] not in self.packages:
            self.packages[package[0]] = package[1]
        return True

    def _cann_line(self, line: str) -> bool:
        """A line of vllm-ascend's "CANN:" block or of a pasted install.info or version.cfg."""
        lowered = line.lower()
        if lowered.startswith("package_name=ascend-cann") or lowered.startswith("package_name=ascend-nnae"):
            self.in_toolkit_info = True
            return True
        if (self.section == "cann" or self.in_toolkit_info) and self._toolkit_info_line(line, lowered):
            return True
        match = _CFG_TOOLKIT.match(line)
        if match and self.cann_cfg is None:
            self.cann_cfg = match.group("version")
        return match is not None

    def _toolkit_info_line(self, line: str, lowered: str) -> bool:
        """The first version= gives the CANN version; innerversion=, arch=, path= ... are skipped."""
        if lowered.startswith("version=") and self.cann_block is None:
            value = line.split("=", 1)[1].strip()
            if value and value.lower() not in _UNKNOWN:
                self.cann_block = value
            return True
        return _ENV_STRICT.match(line) is None and "=" in line

    def _env_var(self, line: str) -> bool:
        """A NAME=value line; in an "ENV Variables:" block the name may be lower case too."""
        env = (_ENV_LOOSE if self.section == "env" else _ENV_STRICT).match(line)
        if env:
            self.env_vars.setdefault(env.group("name"), env.group("value"))
            return True
        if self.section == "env":
            self.section = None                 # the block is over; this line is read as a field
        return False

    def _field(self, line: str) -> None:
        """A "Key: value" line; a few keys print their value on the lines after them."""
        pair = _key_and_value(line)
        if pair is None:
            return
        key, value = pair
        lowered = key.lower()
        if lowered in _SIGNATURE_KEYS:
            self.signature = True
        if not value and lowered in _NEXT_LINE_KEYS:
            value = self._next_line_value()
        elif not value and lowered in _BLOCK_KEYS:
            value = self._block_value()
        self.fields.setdefault(key, value)

    def _next_line_value(self) -> str:
        lines = self.lines
        while self.at < len(lines) and not lines[self.at].strip():
            self.at += 1
        if self.at < len(lines) and not _RULE.match(lines[self.at].strip()):
            self.at += 1
            return lines[self.at - 1].strip()
        return ""

    def _block_value(self) -> str:
        block: list[str] = []
        while self.at < len(self.lines) and _continues_block(self.lines[self.at]):
            block.append(self.lines[self.at].strip())
            self.at += 1
        return "\n".join(block)
