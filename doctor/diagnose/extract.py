"""Find the pieces of a paste: npu-smi tables, collect_env reports, /dev listings, version files,
package lists, environment variables, docker run and vllm serve commands, tracebacks.

Every search is one regular expression run over the whole text (linear, in C), so a 10 MB log
costs a few scans; a piece is then cut out around where its marker matched, within a line limit.
Each pattern opens with a literal: `\n` for those anchored at a line start (run over `Paste.lined`,
the text after a newline), a word for the others, so the engine jumps between candidates instead of
trying every position.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass, field

MAX_BLOCK_LINES = 1500        # an npu-smi table of 16 chips with processes, a collect_env report
MAX_COMMAND_CHARS = 64 * 1024
MAX_PIECES = 20               # of one kind: enough to read, not a list the size of a log


def _at_line_start(body: str, flags: int = 0) -> re.Pattern:
    """`body` anchored at a line start, for `Paste.lined`: a match starts at the newline before the
    line, which is where the line starts in `Paste.text`."""
    return re.compile(rf"\n(?:{body})", flags | re.M)


_FENCE = _at_line_start(r"[ \t>]*(?:```|~~~)")
_NPU_SMI_HEADER = _at_line_start(r"[ \t]*\|[ \t]*npu-smi[ \t]+\S+[ \t]+Version:")
_COLLECT_ENV = re.compile(r"Collecting environment information|^(?:PyTorch version:[ \t]|"
                          r"vLLM (?:Ascend )?Version[ \t]*:)", re.M)
_DEV_LINE = _at_line_start(r"[ \t]*[cbl-][rwxsStT-]{9}[.+@]?[ \t]+\d.*?"
                       r"\b(?:davinci\d*|davinci_manager|devmm_svm|hisi_hdc)\b.*$")
_DRIVER_INFO = _at_line_start(r"[ \t]*Version=\S+[ \t]*\n(?:[ \t]*\w+=.*\n){0,4}?[ \t]*ascendhal_version=")
_FIRMWARE_INFO = _at_line_start(r"[ \t]*Version=\S+[ \t]*\n[ \t]*firmware_version=")
_INSTALL_INFO = _at_line_start(r"[ \t]*(?:UserName=\S*\n[ \t]*UserGroup=\S*\n[ \t]*)?Driver_Install_Type=")
_TOOLKIT_INFO = _at_line_start(r"[ \t]*package_name=Ascend-cann-toolkit[ \t]*\n[ \t]*version=(\S+)", re.I)
_KEY_VALUE = re.compile(r"[ \t]*[\w.]+=.*")
_PACKAGE_NAMES = r"torch|torch[-_]npu|vllm|vllm[-_]ascend|numpy|transformers|triton[-_]ascend|mindie[-\w]*"
_PIP_ROW = _at_line_start(rf"[ \t]*(?:\[(?:pip3?|conda)\][ \t]+)?({_PACKAGE_NAMES})(?:[ \t]+|==)(\d[\w.+!-]*)[ \t]*\S*[ \t]*$",
                         re.I)
_PIP_SHOW = _at_line_start(rf"Name:[ \t]*({_PACKAGE_NAMES})[ \t]*\nVersion:[ \t]*(\S+)", re.I)
_ENV_PREFIXES = r"ASCEND_|HCCL_|HCCN_|VLLM_|PYTORCH_NPU_|TASK_QUEUE|CPU_AFFINITY|OMP_|GLOO_|NPU_|TORCH_"
_ENV_LINE = _at_line_start(rf"[ \t$#>]*(?:export[ \t]+|set[ \t]+)?((?:{_ENV_PREFIXES})[A-Z0-9_]*|LD_PRELOAD)"
                         r"=([^\n]*)$")
# One pattern per opening word: an alternation at the start is tried at every position of a 10 MB log.
_DOCKER_RUN = tuple(re.compile(rf"{tool}[ \t]+(?:container[ \t]+)?run\b")
                    for tool in ("docker", "nerdctl", "podman", "isula"))
_VLLM_SERVE = (re.compile(r"vllm[ \t]+serve\b"),
               re.compile(r"python[\d.]*[ \t]+-m[ \t]+vllm\.entrypoints\.(?:openai\.)?api_server\b"))
_COMMAND_BEFORE = " \t\n$#>;&|`('\""
_TRACEBACK = re.compile(r"Traceback \(most recent call last\):")
_PYTHON_VERSION = _at_line_start(r"Python version:[ \t]*(\d+\.\d+\.\d+)")


@dataclass(frozen=True)
class Piece:
    kind: str
    line: int          # 1-based, where it starts in the paste
    text: str


@dataclass
class Extracted:
    """What a paste shows; each list holds pieces in the order they appear."""

    npu_smi: list[Piece] = field(default_factory=list)
    collect_env: list[Piece] = field(default_factory=list)
    dev_listing: list[Piece] = field(default_factory=list)
    driver_info: list[Piece] = field(default_factory=list)
    firmware_info: list[Piece] = field(default_factory=list)
    install_info: list[Piece] = field(default_factory=list)
    toolkit_version: list[Piece] = field(default_factory=list)
    packages: dict[str, Piece] = field(default_factory=dict)     # name (canonical) -> its version, where
    env: dict[str, Piece] = field(default_factory=dict)          # NAME -> value, where (last one wins)
    docker_run: list[Piece] = field(default_factory=list)
    vllm_serve: list[Piece] = field(default_factory=list)
    tracebacks: list[Piece] = field(default_factory=list)       # the exception line that ends each
    python: str | None = None

    def kinds(self) -> list[str]:
        """The kinds of evidence found, as the report names them."""
        names = {"npu_smi": "npu-smi info", "collect_env": "collect_env report", "dev_listing": "ls -l /dev",
                 "driver_info": "driver version.info", "firmware_info": "firmware version.info",
                 "install_info": "ascend_install.info", "toolkit_version": "CANN toolkit install info",
                 "packages": "package versions", "env": "environment variables", "docker_run": "docker run",
                 "vllm_serve": "vllm serve", "tracebacks": "Python traceback"}
        return [label for attr, label in names.items() if getattr(self, attr)]


class Paste:
    """The clean text and where each line starts."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._lined: str | None = None

    @property
    def lined(self) -> str:
        """The text after a newline, so that every line, the first too, follows a `\\n`; a position
        in it is that of the next character in `text`."""
        if self._lined is None:
            self._lined = "\n" + self.text
        return self._lined

    def line_of(self, pos: int) -> int:
        return self.text.count("\n", 0, pos) + 1

    def line_start(self, pos: int) -> int:
        return self.text.rfind("\n", 0, pos) + 1

    def line_end(self, pos: int) -> int:
        end = self.text.find("\n", pos)
        return len(self.text) if end < 0 else end

    def line_at(self, pos: int) -> str:
        return self.text[self.line_start(pos):self.line_end(pos)]


def _finditer(pattern: re.Pattern, text: str, *needles: str):
    """pattern.finditer(text), skipped outright when none of the literals it needs is in the text."""
    if needles and not any(n in text for n in needles):
        return iter(())
    return pattern.finditer(text)


def extract(paste: Paste) -> Extracted:
    found = Extracted()
    text, lined = paste.text, paste.lined
    found.npu_smi = _blocks(paste, _finditer(_NPU_SMI_HEADER, lined, "npu-smi"), "npu-smi info", _npu_smi_block)
    found.collect_env = _blocks(paste, _finditer(_COLLECT_ENV, text, "Collecting environment", "PyTorch version:",
                                                 "vLLM Version", "vLLM Ascend Version"),
                                "collect_env", _report_block)[:1]
    found.dev_listing = _lines(paste, _finditer(_DEV_LINE, lined, "davinci", "devmm_svm", "hisi_hdc"), "ls -l /dev")
    found.driver_info = _blocks(paste, _finditer(_DRIVER_INFO, lined, "ascendhal_version="), "driver version.info",
                                _key_value_block)
    found.firmware_info = _blocks(paste, _finditer(_FIRMWARE_INFO, lined, "firmware_version="),
                                  "firmware version.info", _key_value_block)
    found.install_info = _blocks(paste, _finditer(_INSTALL_INFO, lined, "Driver_Install_Type="), "ascend_install.info",
                                 _key_value_block)
    found.toolkit_version = [Piece("CANN toolkit", paste.line_of(m.start()), m.group(1))
                             for m in _finditer(_TOOLKIT_INFO, lined, "package_name=")][:MAX_PIECES]
    found.packages = _packages(paste)
    found.env = _environment(paste)
    found.docker_run = _commands(paste, _DOCKER_RUN, "docker run")
    found.vllm_serve = _commands(paste, _VLLM_SERVE, "vllm serve")
    found.tracebacks = _tracebacks(paste)
    version = next(_finditer(_PYTHON_VERSION, lined, "Python version:"), None)
    found.python = version.group(1) if version else None
    return found


def _blocks(paste: Paste, matches, kind: str, cut) -> list[Piece]:
    pieces, covered = [], -1
    for match in matches:
        if match.start() < covered:
            continue
        start, end = cut(paste, paste.line_start(match.start()))
        covered = end
        pieces.append(Piece(kind, paste.line_of(start), paste.text[start:end]))
        if len(pieces) == MAX_PIECES:
            break
    return pieces


def _following_lines(paste: Paste, start: int, keep) -> int:
    """The end of the run of lines from `start` that `keep` accepts (at most MAX_BLOCK_LINES)."""
    pos, kept, text = start, start, paste.text
    for _ in range(MAX_BLOCK_LINES):
        if pos > len(text):
            break
        end = paste.line_end(pos)
        if not keep(text[pos:end]):
            break
        kept, pos = end, end + 1
    return kept


def _npu_smi_block(paste: Paste, start: int) -> tuple[int, int]:
    """The table from the border above its `| npu-smi ... Version:` line to its last border."""
    above = paste.line_start(max(start - 1, 0))
    if paste.text[above:start].lstrip().startswith("+"):
        start = above
    return start, _following_lines(paste, start, lambda line: line.lstrip()[:1] in ("+", "|"))


def _report_block(paste: Paste, start: int) -> tuple[int, int]:
    """A collect_env report runs to the end of its code fence, or MAX_BLOCK_LINES."""
    fence = _FENCE.search(paste.lined, start)
    limit = _following_lines(paste, start, lambda line: True)
    return start, min(fence.start(), limit) if fence else limit


def _key_value_block(paste: Paste, start: int) -> tuple[int, int]:
    return start, _following_lines(paste, start, lambda line: bool(_KEY_VALUE.fullmatch(line)))


def _lines(paste: Paste, found, kind: str) -> list[Piece]:
    matches = []
    for match in found:
        matches.append(match)
        if len(matches) == 64:
            break
    if not matches:
        return []
    return [Piece(kind, paste.line_of(matches[0].start()), "\n".join(m.group().strip() for m in matches))]


def canonical(name: str) -> str:
    return name.lower().replace("_", "-")


def _packages(paste: Paste) -> dict[str, Piece]:
    found: dict[str, Piece] = {}
    for pattern, needle in ((_PIP_ROW, ""), (_PIP_SHOW, "Name:")):
        for count, match in enumerate(_finditer(pattern, paste.lined, *filter(None, [needle]))):
            if count == 200:
                break
            found.setdefault(canonical(match.group(1)), Piece("package", paste.line_of(match.start()),
                                                              match.group(2)))
    return found


def _environment(paste: Paste) -> dict[str, Piece]:
    found: dict[str, Piece] = {}
    for count, match in enumerate(_ENV_LINE.finditer(paste.lined)):
        if count == 500:
            break
        value = match.group(2).strip().strip("'\"")
        found[match.group(1)] = Piece("env", paste.line_of(match.start()), value)
    return found


def _commands(paste: Paste, patterns: tuple[re.Pattern, ...], kind: str) -> list[Piece]:
    pieces, text = [], paste.text
    matches = heapq.merge(*(p.finditer(text) for p in patterns), key=lambda m: m.start())
    for match in matches:
        start = match.start()
        if start and text[start - 1] not in _COMMAND_BEFORE:
            continue          # part of a word: "mydocker run", "pyvllm serve"
        pieces.append(Piece(kind, paste.line_of(start), _joined_command(paste, start)))
        if len(pieces) == MAX_PIECES:
            break
    return pieces


def _joined_command(paste: Paste, start: int) -> str:
    """The command from `start`, its continuation lines (`\\`, `^` or a backtick at the end) joined."""
    parts, pos, text = [], start, paste.text
    for _ in range(MAX_BLOCK_LINES):
        end = paste.line_end(pos)
        line = text[pos:end].rstrip()
        continued = line.endswith(("\\", "^", "`"))
        parts.append(line[:-1] if continued else line)
        if not continued or end >= len(text) or sum(map(len, parts)) > MAX_COMMAND_CHARS:
            break
        pos = end + 1
    return " ".join(p.strip() for p in parts)[:MAX_COMMAND_CHARS]


def _tracebacks(paste: Paste) -> list[Piece]:
    """The line that ends each traceback: the first one after it that is not a frame."""
    pieces, text = [], paste.text
    for match in _TRACEBACK.finditer(text):
        prefix = text[paste.line_start(match.start()):match.start()]
        pos = paste.line_end(match.start()) + 1
        for _ in range(400):
            if pos >= len(text):
                break
            line = paste.line_at(pos)
            body = line[len(prefix):] if line.startswith(prefix) else line
            if body.strip() and not body.startswith((" ", "\t", "^", "~")):
                pieces.append(Piece("traceback", paste.line_of(pos), body.strip()))
                break
            pos = paste.line_end(pos) + 1
        if len(pieces) == MAX_PIECES:
            break
    return pieces
