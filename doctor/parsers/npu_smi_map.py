"""`npu-smi info -m`: which NPU ID / chip ID pair has which logic ID and chip name.

The header names the columns ("NPU ID  Chip ID  Chip Logic ID  Chip Name");
names contain single spaces, so columns are told apart by runs of two or more
blanks. Every column but the last holds one token; the chip name ("Ascend
910B4") may contain spaces. On A2 boards each card also lists its "Mcu" with
logic ID "-".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from doctor.parsers.errors import ParseError
from doctor.parsers.npu_smi_fields import raise_if_refused

_COLUMN_GAP = re.compile(r"\s{2,}")
_REQUIRED_COLUMNS = ("NPU ID", "Chip ID", "Chip Logic ID", "Chip Name")
_NO_LOGIC_ID = "-"
_MAX_DIGITS = 18  # keeps int() far from its digit limit on garbage input


@dataclass(frozen=True)
class ChipMapping:
    npu_id: int
    chip_id: int
    logic_id: int | None  # None for chips without one (the "Mcu" rows print "-")
    name: str


def parse_chip_map(text: str) -> tuple[ChipMapping, ...]:
    raise_if_refused(text)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise ParseError("npu-smi info -m output is empty", text)
    columns = _header_columns(lines[0], text)
    mappings = tuple(_row(line, columns, text) for line in lines[1:])
    if not mappings:
        raise ParseError("npu-smi info -m lists no chips", text)
    _reject_repeated_chips(mappings, text)
    return mappings


def _reject_repeated_chips(mappings: tuple[ChipMapping, ...], text: str) -> None:
    seen: set[tuple[int, int]] = set()
    for mapping in mappings:
        chip = (mapping.npu_id, mapping.chip_id)
        if chip in seen:
            raise ParseError(f"npu-smi info -m lists NPU {chip[0]} chip {chip[1]} twice", text)
        seen.add(chip)


def _header_columns(header: str, text: str) -> list[str]:
    columns = _COLUMN_GAP.split(header)
    missing = [name for name in _REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ParseError(f"npu-smi info -m header lacks {', '.join(missing)}", text)
    if columns[-1] != "Chip Name":
        raise ParseError("npu-smi info -m header does not end with Chip Name", text)
    return columns


def _row(line: str, columns: list[str], text: str) -> ChipMapping:
    cells = line.split(None, len(columns) - 1)
    if len(cells) != len(columns):
        raise ParseError(f"npu-smi info -m row has too few cells: {line[:80]!r}", text)
    row = dict(zip(columns, cells))
    return ChipMapping(
        npu_id=_number(row["NPU ID"], line, text),
        chip_id=_number(row["Chip ID"], line, text),
        logic_id=None if row["Chip Logic ID"] == _NO_LOGIC_ID else _number(row["Chip Logic ID"], line, text),
        name=row["Chip Name"],
    )


def _number(cell: str, line: str, text: str) -> int:
    if not (cell.isascii() and cell.isdigit() and len(cell) <= _MAX_DIGITS):
        raise ParseError(f"npu-smi info -m row has a non-numeric ID {cell[:20]!r}: {line[:80]!r}", text)
    return int(cell)
