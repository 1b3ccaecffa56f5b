"""npu-smi's "Key : value" outputs: `info -l` and `info -t board|health|usages|memory|common|ecc`.

npu-smi pads every key to a fixed width and indents the block (spaces or a
TAB). A value too long for one line continues on lines with an empty key
("<indent>   : more"), sometimes after a blank line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from doctor.parsers.errors import ParseError

# Lines npu-smi prints instead of the requested block, e.g. "Invalid card id.",
# "Error parameter of -i", "dcmi module initialize failed. ret is -8005".
_MESSAGE = re.compile(
    r"^invalid\b|^error\b|\bfailed\b|\bnot support|\bdoes not exist|\bpermission denied|\bret is -?\d+",
    re.IGNORECASE,
)
_MESSAGE_KEYS = frozenset({"Usage", "Error"})


def refusal_message(text: str) -> str | None:
    """The first line in which npu-smi refuses the command or reports a failure, if any."""
    for line in text.splitlines():
        stripped = line.strip()
        if _is_refusal_line(stripped):
            return stripped
    return None


def _is_refusal_line(line: str) -> bool:
    if ":" in line:
        return line.split(":", 1)[0].strip() in _MESSAGE_KEYS
    return bool(_MESSAGE.search(line))


def raise_if_refused(text: str) -> None:
    message = refusal_message(text)
    if message is not None:
        raise ParseError(f"npu-smi rejected the command: {message}", text)


def _blocks(text: str) -> list[list[tuple[str, str]]]:
    """Pairs grouped by blank lines; a blank line before a continuation line does not split."""
    raise_if_refused(text)
    blocks: list[list[tuple[str, list[str]]]] = []   # a value as its lines, joined once at the end
    blank_before = True
    for line in text.splitlines():
        if not line.strip():
            blank_before = True
            continue
        if ":" not in line:
            raise ParseError(f"line is not 'Key : value': {line.strip()[:80]!r}", text)
        key, value = (part.strip() for part in line.split(":", 1))
        if key:
            if blank_before or not blocks:
                blocks.append([])
            blocks[-1].append((key, [value] if value else []))
        else:
            _continue_last_value(blocks, value, text)
        blank_before = False
    if not blocks:
        raise ParseError("no 'Key : value' line in npu-smi output", text)
    return [[(key, "\n".join(lines)) for key, lines in block] for block in blocks]


def _continue_last_value(blocks: list[list[tuple[str, list[str]]]], value: str, text: str) -> None:
    if not blocks:
        raise ParseError("continuation line (empty key) with nothing before it", text)
    if value:
        blocks[-1][-1][1].append(value)


def parse_fields(text: str) -> list[tuple[str, str]]:
    """Ordered (key, value) pairs; continuation lines joined to the previous value with "\\n"."""
    return [pair for block in _blocks(text) for pair in block]


def parse_sections(text: str) -> list[dict[str, str]]:
    """The blank-line separated blocks as dicts, e.g. card header, chip, "Chip Name : mcu" block."""
    return [dict(block) for block in _blocks(text)]


def parse_board(text: str) -> dict[str, str]:
    """key -> value. A key repeated later (the Mcu block's Temperature(C)) keeps its first value."""
    fields: dict[str, str] = {}
    for key, value in parse_fields(text):
        fields.setdefault(key, value)
    return fields


@dataclass(frozen=True)
class Card:
    npu_id: int
    chip_count: int


@dataclass(frozen=True)
class CardList:
    """`npu-smi info -l`. `total_count` is what npu-smi claims; `cards` what it listed."""

    total_count: int | None
    cards: tuple[Card, ...]


_MAX_DIGITS = 18  # keeps int() far from its digit limit on garbage input


def _as_int(key: str, value: str, text: str) -> int:
    if not (value.isascii() and value.isdigit() and len(value) <= _MAX_DIGITS):
        raise ParseError(f"{key} is not a number: {value[:40]!r}", text)
    return int(value)


def parse_card_list(text: str) -> CardList:
    total: int | None = None
    cards: list[Card] = []
    open_npu_id: int | None = None
    for key, value in parse_fields(text):
        if key == "Total Count":
            if total is not None:
                raise ParseError("Total Count appears twice", text)
            total = _as_int(key, value, text)
        elif key == "NPU ID":
            if open_npu_id is not None:
                raise ParseError(f"NPU ID {open_npu_id} has no Chip Count", text)
            open_npu_id = _as_int(key, value, text)
        elif key == "Chip Count":
            if open_npu_id is None:
                raise ParseError("Chip Count without an NPU ID before it", text)
            cards.append(Card(open_npu_id, _as_int(key, value, text)))
            open_npu_id = None
    if open_npu_id is not None:
        raise ParseError(f"NPU ID {open_npu_id} has no Chip Count", text)
    if total is None and not cards:
        raise ParseError("no Total Count and no NPU ID in npu-smi info -l output", text)
    ids = [card.npu_id for card in cards]
    if len(set(ids)) != len(ids):
        raise ParseError("an NPU ID is listed twice", text)
    return CardList(total, tuple(cards))


@dataclass(frozen=True)
class Health:
    status: str
    error_codes: tuple[str, ...]
    error_information: str | None


_NOT_AVAILABLE = "NA"


def _only_value(fields: list[tuple[str, str]], key: str, text: str) -> str | None:
    values = [value for name, value in fields if name == key]
    if len(values) > 1:
        raise ParseError(f"{key} appears {len(values)} times; expected one chip's health", text)
    return values[0] if values else None


def parse_health(text: str) -> Health:
    fields = parse_fields(text)
    status = _only_value(fields, "Health Status", text)
    if not status:
        raise ParseError("no Health Status in npu-smi health output", text)
    codes = _only_value(fields, "Error Code", text) or _NOT_AVAILABLE
    information = _only_value(fields, "Error Information", text) or _NOT_AVAILABLE
    return Health(
        status=status,
        error_codes=() if codes == _NOT_AVAILABLE else tuple(codes.split()),
        error_information=None if information == _NOT_AVAILABLE else information,
    )
