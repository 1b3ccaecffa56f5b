"""Parser for the box table printed by `npu-smi info`.

The table has no fixed geometry: column widths change between npu-smi versions,
pastes add indentation or trailing spaces, and doc writers pad cells by hand. So
the parser never uses character offsets. It splits every row on the `|` borders,
learns from the two header rows which fields each cell holds, and maps each data
row's values onto those fields by count.

A chip is printed as two rows: the first carries the fields of header row one
(NPU, Name, Health, Power, ...), the second those of header row two (Chip,
Device or Phy-ID, Bus-Id, AICore, ...). An optional process table follows.

Unreadable cells: a measurement that cannot be read (power, memory, ...) becomes
null, because the chip, its ids and its health still matter to the checks. An id
that cannot be read (NPU, Chip, Device, Phy-ID, pid) makes the row unusable: the
table is read up to that row and the result is marked `truncated`.

The fleet collector runs this module on a host's own python3, so it keeps to Python 3.7
(tests/fleet/test_collector.py): typing's generics, no walrus, no dataclass slots.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator, Optional, Tuple

from doctor.parsers.errors import ParseError
from doctor.parsers.text import decode

SCHEMA = "npu-smi-info/1"


@dataclass(frozen=True)
class Chip:
    npu_id: int
    chip_id: int
    phy_id: int | None
    device_id: int | None
    name: str
    health: str
    power_w: float | None
    temp_c: float | None
    bus_id: str | None
    aicore_pct: float | None
    memory_used_mb: int | None
    memory_total_mb: int | None
    hbm_used_mb: int | None
    hbm_total_mb: int | None
    hugepages_used: int | None
    hugepages_total: int | None

    @property
    def device_index(self) -> int:
        """The index behind /dev/davinciN and ASCEND_RT_VISIBLE_DEVICES."""
        if self.phy_id is not None:
            return self.phy_id
        if self.device_id is not None:
            return self.device_id
        return self.npu_id


@dataclass(frozen=True)
class Process:
    npu_id: int
    chip_id: int
    pid: int
    name: str | None
    memory_mb: int | None


@dataclass(frozen=True)
class NpuSmiError:
    code: int | None
    text: str


@dataclass(frozen=True)
class NpuSmiInfo:
    npu_smi_version: str | None
    driver_version: str | None
    error: NpuSmiError | None
    chips: tuple[Chip, ...]
    processes: tuple[Process, ...]
    truncated: bool


# Header label (lower case, unit in parentheses dropped) -> field it announces.
_CHIP_LABELS = {
    "npu": "npu_id",
    "name": "name",
    "health": "health",
    "power": "power_w",
    "temp": "temp_c",
    "hugepages-usage": "hugepages",
    "chip": "chip_id",
    "phy-id": "phy_id",
    "device": "device_id",
    "bus-id": "bus_id",
    "aicore": "aicore_pct",
    "memory-usage": "memory",
    "hbm-usage": "hbm",
}

# Process-table labels span a whole cell ("Process id"), so they are matched per cell.
_PROCESS_CELLS = {
    "npu chip": ("npu_id", "chip_id"),
    "process id": ("pid",),
    "process name": ("name",),
    "process memory": ("memory_mb",),
}

# A cell announcing several fields where one of them is text that may itself hold
# spaces; surplus words in the row go to that field.
_FREE_TEXT_FIELDS = ("name", "health")

_PLACEHOLDERS = {"", "-", "NA", "N/A"}

_VALUE_TOKEN = re.compile(r"[^\s/]+\s*/\s*[^\s/]+|\S+")  # "0    / 0" is one value
_INT = re.compile(r"[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_PAIR = re.compile(r"(\S+?)\s*/\s*(\S+)")  # fullmatched on one word only: see _split_pair
_SEPARATOR = re.compile(r"\+[-=+]+")
_ELISION = re.compile(r"\.{3,}|…")
_NO_PROCESSES = re.compile(r"No running processes found in NPU\s+[0-9]+")
_TOOL_VERSION = re.compile(r"npu-smi\s+(\S+)")
_DRIVER_VERSION = re.compile(r"Version:\s*(\S+)")
# An error line: "fail" or "error", then later "ret is N" / "ret = N" (the last one counts).
_ERROR_WORD = re.compile(r"(?i)fail|error")
_RET_CODE = re.compile(r"(?i)\bret(?:\s+is\s+|\s*=\s*)(-?[0-9]+)")
_MAX_DIGITS = 18  # keeps int() far from its digit limit on garbage input

# npu-smi's rows are under 200 characters; a longer `|` line is read as a cut one, so no line
# costs more than this in cells and tokens however it is built.
_MAX_ROW_CHARS = 4096

_HeaderCell = Tuple[Optional[str], ...]  # the field of each value in one `|`-delimited cell
_Header = Tuple[_HeaderCell, ...]


class _Garbage(Exception):
    """A table line that cannot be read; raised and caught only inside this module."""


# --------------------------------------------------------------------------- lines


@dataclass(frozen=True)
class _Line:
    kind: str  # "blank", "elision", "separator", "row", "cut_row" (cut off or too long), "text"
    text: str
    cells: tuple[str, ...] = ()


def _classify(raw: str) -> _Line:
    text = raw.strip()
    if not text:
        return _Line("blank", text)
    if _ELISION.fullmatch(text):
        return _Line("elision", text)
    if _SEPARATOR.fullmatch(text):
        return _Line("separator", text)
    if text.startswith("|"):
        if 1 < len(text) <= _MAX_ROW_CHARS and text.endswith("|"):
            return _Line("row", text, tuple(text[1:-1].split("|")))
        return _Line("cut_row", text)
    return _Line("text", text)


def _label_key(label: str) -> str:
    return label.split("(", 1)[0].lower()


# ------------------------------------------------------------------------- headers


def _is_chip_header_top(line: _Line) -> bool:
    if line.kind != "row":
        return False
    labels = {_label_key(word) for cell in line.cells for word in cell.split()}
    return {"npu", "name", "health"} <= labels and "process" not in labels


def _is_process_header(line: _Line) -> bool:
    if line.kind != "row":
        return False
    return any(cell.lower().split()[:2] == ["process", "id"] for cell in line.cells)


def _chip_header(line: _Line) -> _Header:
    return tuple(
        tuple(_CHIP_LABELS.get(_label_key(word)) for word in cell.split()) for cell in line.cells
    )


def _process_header(line: _Line) -> _Header:
    header = []
    for cell in line.cells:
        key = " ".join(_label_key(word) for word in cell.split())
        header.append(_PROCESS_CELLS.get(key, (None,)))
    return tuple(header)


def _fields(header: _Header) -> set[str]:
    return {field for cell in header for field in cell if field}


# -------------------------------------------------------------------- row mapping


def _map_row(header: _Header, cells: tuple[str, ...]) -> dict[str, str]:
    """Values of one data row keyed by field; _Garbage if they do not fit the header."""
    if len(cells) != len(header):
        return _map_flat(header, cells)
    values: dict[str, str] = {}
    for fields, cell in zip(header, cells):
        values.update(_map_cell(fields, cell))
    return values


def _map_cell(fields: _HeaderCell, cell: str) -> dict[str, str]:
    if len(fields) == 1:
        # A single-field cell is taken whole: it may be blank or contain spaces.
        return _keep_known(fields, [cell.strip()])
    tokens = _VALUE_TOKEN.findall(cell)
    if len(tokens) > len(fields):
        tokens = _fold_surplus_into_free_text(fields, tokens)
    if len(tokens) != len(fields):
        raise _Garbage
    return _keep_known(fields, tokens)


def _fold_surplus_into_free_text(fields: _HeaderCell, tokens: list[str]) -> list[str]:
    free = [i for i, field in enumerate(fields) if field in _FREE_TEXT_FIELDS]
    if len(free) != 1:
        return tokens
    at = free[0]
    after = len(fields) - at - 1
    end = len(tokens) - after
    return tokens[:at] + [" ".join(tokens[at:end])] + tokens[end:]


def _map_flat(header: _Header, cells: tuple[str, ...]) -> dict[str, str]:
    # A `|` lost or added in a paste: fall back to matching all values in order.
    fields = [field for cell in header for field in cell]
    tokens = [token for cell in cells for token in _VALUE_TOKEN.findall(cell)]
    if len(tokens) != len(fields):
        raise _Garbage
    return _keep_known(fields, tokens)


def _keep_known(fields: Iterable[str | None], values: Iterable[str]) -> dict[str, str]:
    return {field: value for field, value in zip(fields, values) if field}


# ---------------------------------------------------------------------- cell values


def _text(value: str | None) -> str | None:
    if value is None or value.strip() in _PLACEHOLDERS:
        return None
    return value.strip()


def _int(value: str | None) -> int | None:
    if value is not None and _INT.fullmatch(value.strip()):
        return int(value)
    return None


def _float(value: str | None) -> float | None:
    if value is not None and _NUMBER.fullmatch(value.strip()):
        return float(value)
    return None


def _pair(value: str | None) -> tuple[int | None, int | None]:
    sides = _split_pair(value) if value is not None else None
    if sides is None:
        return None, None
    return _int(sides[0]), _int(sides[1])


def _split_pair(value: str) -> tuple[str, str] | None:
    """"3150 / 65536" -> ("3150", "65536"), as `(\\S+?)\\s*/\\s*(\\S+)` would fullmatch it.

    That regex, run on several words, rescans the rest of a long word of slashes once per
    slash; run on one word it is linear, so the words are looked at first.
    """
    words = value.split()
    if len(words) == 1:
        match = _PAIR.fullmatch(words[0])
        return (match.group(1), match.group(2)) if match else None
    if len(words) == 2:
        first, second = words
        if len(first) > 1 and first.endswith("/"):
            return first[:-1], second
        if len(second) > 1 and second.startswith("/"):
            return first, second[1:]
        return None
    if len(words) == 3 and words[1] == "/":
        return words[0], words[2]
    return None


def _identity(value: str | None) -> int:
    """An id the chip or process is known by: unreadable means the row is unusable."""
    number = _int(value)
    if number is None:
        raise _Garbage
    return number


def _optional_identity(value: str | None) -> int | None:
    # "-"/"NA" is an honest blank; anything else unreadable would silently change
    # Chip.device_index, so the row is rejected instead.
    if _text(value) is None:
        return None
    return _identity(value)


# -------------------------------------------------------------------- record builders


def _chip(top: dict[str, str], bottom: dict[str, str]) -> Chip:
    memory_used, memory_total = _pair(bottom.get("memory"))
    hbm_used, hbm_total = _pair(bottom.get("hbm"))
    hugepages_used, hugepages_total = _pair(top.get("hugepages"))
    return Chip(
        npu_id=_identity(top.get("npu_id")),
        chip_id=_identity(bottom.get("chip_id")),
        phy_id=_optional_identity(bottom.get("phy_id")),
        device_id=_optional_identity(bottom.get("device_id")),
        name=top.get("name", "").strip(),
        health=top.get("health", "").strip(),
        power_w=_float(top.get("power_w")),
        temp_c=_float(top.get("temp_c")),
        bus_id=_text(bottom.get("bus_id")),
        aicore_pct=_float(bottom.get("aicore_pct")),
        memory_used_mb=memory_used,
        memory_total_mb=memory_total,
        hbm_used_mb=hbm_used,
        hbm_total_mb=hbm_total,
        hugepages_used=hugepages_used,
        hugepages_total=hugepages_total,
    )


def _process(values: dict[str, str]) -> Process:
    return Process(
        npu_id=_identity(values.get("npu_id")),
        chip_id=_identity(values.get("chip_id")),
        pid=_identity(values.get("pid")),
        name=_text(values.get("name")),
        memory_mb=_int(values.get("memory_mb")),
    )


# ---------------------------------------------------------------------- the reader


class _TableReader:
    """Walks the lines after the header; collects chips and processes."""

    def __init__(self, lines: Iterable[_Line], top: _Header, bottom: _Header) -> None:
        self._lines = lines
        self._top = top
        self._bottom = bottom
        self._process_header: _Header | None = None
        self._pending_top: dict[str, str] | None = None  # first row of a chip, awaiting its second
        self._closed = True  # the last table line was a border, not a half-finished block
        self._in_processes = False
        self.chips: list[Chip] = []
        self.processes: list[Process] = []
        self.truncated = False

    def read(self) -> None:
        try:
            for line in self._lines:
                if not self._read_line(line):
                    break
            self._require_closed()
        except _Garbage:
            self.truncated = True

    def _read_line(self, line: _Line) -> bool:
        """Consume one line; False once the output has ended."""
        if line.kind == "blank":
            return True  # double-spaced pastes put blank lines even inside a row pair
        if line.kind == "text":
            return False  # something else follows the output; read() checks it ended cleanly
        if line.kind == "cut_row":
            raise _Garbage
        if line.kind == "row":
            self._read_row(line)
        elif self._pending_top is not None:  # a border or "..." splitting a chip's two rows
            raise _Garbage
        elif line.kind == "separator":
            self._closed = True
        return True

    def _require_closed(self) -> None:
        if not self._closed or self._pending_top is not None:
            raise _Garbage

    def _read_row(self, line: _Line) -> None:
        self._closed = False
        if not self._in_processes and self._pending_top is None and self._starts_processes(line):
            self._in_processes = True
        if self._in_processes:
            self._read_process_line(line)
        elif self._pending_top is None:
            self._pending_top = self._chip_top(line)
        else:
            self.chips.append(_chip(self._pending_top, _map_row(self._bottom, line.cells)))
            self._pending_top = None

    @staticmethod
    def _starts_processes(line: _Line) -> bool:
        return _is_process_header(line) or _is_no_processes(line)

    def _chip_top(self, line: _Line) -> dict[str, str]:
        values = _map_row(self._top, line.cells)
        _identity(values.get("npu_id"))
        return values

    def _read_process_line(self, line: _Line) -> None:
        if _is_process_header(line):
            if self._process_header is not None:
                raise _Garbage
            self._process_header = _process_header(line)
            if not {"npu_id", "chip_id", "pid"} <= _fields(self._process_header):
                raise _Garbage
            return
        if _is_no_processes(line):
            return
        if self._process_header is None:
            raise _Garbage
        self.processes.append(_process(_map_row(self._process_header, line.cells)))


def _is_no_processes(line: _Line) -> bool:
    return len(line.cells) == 1 and _NO_PROCESSES.fullmatch(line.cells[0].strip()) is not None


# ----------------------------------------------------------------- whole document


def _split_lines(text: str) -> Iterator[str]:
    """`text.split("\\n")` one line at a time: a long output is never held twice."""
    start = 0
    end = text.find("\n")
    while end >= 0:
        yield text[start:end]
        start, end = end + 1, text.find("\n", end + 1)
    yield text[start:]


@dataclass
class _Banner:
    """What comes before the table: npu-smi's versions, or an error line printed instead of it."""

    tool: str | None = None
    driver: str | None = None
    error: NpuSmiError | None = None

    def read(self, line: _Line) -> None:
        if line.kind == "text" and self.error is None:
            self.error = _error_in(line.text)
        elif line.kind == "row" and (self.tool is None or self.driver is None):
            self._read_versions(" ".join(line.cells))

    def _read_versions(self, joined: str) -> None:
        tool_match = _TOOL_VERSION.search(joined)
        driver_match = _DRIVER_VERSION.search(joined)
        if tool_match and self.tool is None:
            self.tool = tool_match.group(1)
        if driver_match and self.driver is None:
            self.driver = driver_match.group(1)


def _error_in(text: str) -> NpuSmiError | None:
    digits = _error_code_digits(text)
    return None if digits is None else NpuSmiError(code=_code(digits), text=text)


def _error_code_digits(line: str) -> str | None:
    """The N of "... fail/error ... ret is N" (the last such N), None on any other line.

    Two searches: the one regex `(fail|error).*ret...` backtracks from the end of the line
    once per "fail" in it, quadratic on a long line.
    """
    word = _ERROR_WORD.search(line)
    if word is None:
        return None
    digits = None
    for match in _RET_CODE.finditer(line, word.end()):
        digits = match.group(1)
    return digits


def _code(digits: str) -> int | None:
    # Too many digits to be a dcmi code, and int() would refuse past its limit.
    return int(digits) if len(digits.lstrip("-")) <= _MAX_DIGITS else None


def _read_banner(lines: Iterator[_Line]) -> tuple[_Banner, _Line | None]:
    """The banner, and the table's first header row (None when there is no table)."""
    banner = _Banner()
    for line in lines:
        if _is_chip_header_top(line):
            return banner, line
        banner.read(line)
    return banner, None


def _read_header(top_line: _Line, lines: Iterator[_Line], text: str) -> tuple[_Header, _Header]:
    """Both header rows; `lines` is left at the first line after them."""
    bottom_line = next((line for line in lines if line.kind != "blank"), None)
    if bottom_line is None or bottom_line.kind != "row":
        raise ParseError("npu-smi info output is cut off inside the table header", text)
    top = _chip_header(top_line)
    bottom = _chip_header(bottom_line)
    if not {"npu_id", "name", "health"} <= _fields(top) or "chip_id" not in _fields(bottom):
        raise ParseError("npu-smi info table header has no NPU/Name/Health or Chip column", text)
    return top, bottom


def _read_table(lines: Iterator[_Line], top_line: _Line | None, text: str) -> _TableReader:
    if top_line is None:
        raise ParseError("not npu-smi info output: no NPU/Name/Health table header found", text)
    top, bottom = _read_header(top_line, lines, text)
    reader = _TableReader(lines, top, bottom)
    reader.read()
    if not reader.chips:
        raise ParseError("npu-smi info output has no readable chip row (cut off or garbled)", text)
    return reader


def parse(text: str) -> NpuSmiInfo:
    """Read one `npu-smi info` output. Raises ParseError for anything else."""
    text = decode(text)
    if not text or text.isspace():
        raise ParseError("input is empty, not npu-smi info output", text)
    lines = map(_classify, _split_lines(text))   # read once, front to back, never all kept
    banner, top_line = _read_banner(lines)
    try:
        reader = _read_table(lines, top_line, text)
    except ParseError:
        if banner.error is None:
            raise
        return NpuSmiInfo(None, None, banner.error, chips=(), processes=(), truncated=False)
    return NpuSmiInfo(
        npu_smi_version=banner.tool,
        driver_version=banner.driver,
        error=banner.error,
        chips=tuple(reader.chips),
        processes=tuple(reader.processes),
        truncated=reader.truncated,
    )


# --------------------------------------------------------------------------- schema


def _chip_schema(chip: Chip) -> dict:
    return {
        "npu_id": chip.npu_id,
        "chip_id": chip.chip_id,
        "phy_id": chip.phy_id,
        "device_id": chip.device_id,
        "name": chip.name,
        "health": chip.health,
        "power_w": chip.power_w,
        "temp_c": chip.temp_c,
        "bus_id": chip.bus_id,
        "aicore_pct": chip.aicore_pct,
        "memory_used_mb": chip.memory_used_mb,
        "memory_total_mb": chip.memory_total_mb,
        "hbm_used_mb": chip.hbm_used_mb,
        "hbm_total_mb": chip.hbm_total_mb,
        "hugepages_used": chip.hugepages_used,
        "hugepages_total": chip.hugepages_total,
    }


def _process_schema(process: Process) -> dict:
    return {
        "npu_id": process.npu_id,
        "chip_id": process.chip_id,
        "pid": process.pid,
        "name": process.name,
        "memory_mb": process.memory_mb,
    }


def to_schema(info: NpuSmiInfo) -> dict:
    """The "npu-smi-info/1" JSON document for a parsed output."""
    error = None if info.error is None else {"code": info.error.code, "text": info.error.text}
    return {
        "schema": SCHEMA,
        "npu_smi_version": info.npu_smi_version,
        "driver_version": info.driver_version,
        "error": error,
        "chips": [_chip_schema(chip) for chip in info.chips],
        "processes": [_process_schema(process) for process in info.processes],
    }


def error_schema(err: ParseError) -> dict:
    """The "npu-smi-info/1" JSON document for input that could not be parsed."""
    return {
        "schema": SCHEMA,
        "npu_smi_version": None,
        "driver_version": None,
        "error": {"code": None, "text": err.reason},
        "chips": [],
        "processes": [],
    }


def reported_error(info: NpuSmiInfo) -> str | None:
    """One line for the error npu-smi printed instead of its table, None when it printed none."""
    return None if info.error is None else f"npu-smi reported an error: {info.error.text}"


@lru_cache(maxsize=4)
def parse_cached(text: str) -> NpuSmiInfo:
    """parse(), once per output: the probes' follow-ups and the checks read the same table."""
    return parse(text)
