"""Device listings: `ls -l /dev/...`, plain `ls /dev/davinci*`, and `lspci` rows.

`ls -l` input may be interleaved with other lines (a prompt, the path on its
own line, "total 0"); only lines that start with a file mode are read, and
those must be complete.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from doctor.parsers.errors import ParseError

_MODE_START = re.compile(r"^[-bcdlps][-rwxsStT]{9}(?=[.+@]?\s)")
_LS_LONG = re.compile(
    r"^(?P<type>[-bcdlps])(?P<mode>[-rwxsStT]{9})[.+@]?\s+\d+\s+(?P<owner>\S+)\s+(?P<group>\S+)\s+"
    r"(?:(?P<major>\d{1,18}),\s*(?P<minor>\d{1,18})|(?P<size>\d+))\s+(?P<rest>.+)$",
    re.ASCII,
)
_CANNOT_ACCESS = re.compile(r"^ls: cannot access '?(?P<path>.+?)'?: No such file or directory$")
_SYMLINK_ARROW = " -> "


@dataclass(frozen=True)
class DevEntry:
    name: str  # as listed, e.g. "/dev/davinci0" or "davinci0"
    type_char: str  # 'c', 'b', 'd', '-', 'l', 'p', 's'
    mode: str  # the nine permission characters, e.g. "rw-rw----"
    major: int | None  # device numbers, for 'c' and 'b' entries only
    minor: int | None
    owner: str | None = None
    group: str | None = None
    link_target: str | None = None

    @property
    def permission_bits(self) -> int:
        """The rwx bits as a number (0o660 for "rw-rw----"); "s"/"t" imply x, "S"/"T" do not."""
        bits = 0
        for position, char in enumerate(self.mode):
            if char not in "-ST":
                bits |= 1 << (8 - position)
        return bits

    @property
    def world_writable(self) -> bool:
        return self.mode[7] == "w"


def missing_paths(text: str) -> tuple[str, ...]:
    """Paths `ls` reported as "cannot access ...: No such file or directory"."""
    found = (_CANNOT_ACCESS.match(line.strip()) for line in text.splitlines())
    return tuple(match.group("path") for match in found if match)


def parse_ls_l(text: str) -> tuple[DevEntry, ...]:
    """Entries of `ls -l` lines. Empty only when `ls` said the paths do not exist."""
    entries = tuple(
        _entry(line.strip(), text) for line in text.splitlines() if _MODE_START.match(line.strip())
    )
    if not entries and not missing_paths(text):
        raise ParseError("no 'ls -l' line in the listing", text)
    return entries


def _entry(line: str, text: str) -> DevEntry:
    match = _LS_LONG.match(line)
    if match is None:
        raise ParseError(f"incomplete 'ls -l' line: {line[:80]!r}", text)
    name, _, target = match.group("rest").partition(_SYMLINK_ARROW)
    # The name is the last column; the date before it varies (or was cut by hand).
    return DevEntry(
        name=name.split()[-1],
        type_char=match.group("type"),
        mode=match.group("mode"),
        major=_optional_int(match.group("major")),
        minor=_optional_int(match.group("minor")),
        owner=match.group("owner"),
        group=match.group("group"),
        link_target=target.strip() or None,
    )


def _optional_int(value: str | None) -> int | None:
    return int(value) if value is not None else None


_PATH_TOKEN = re.compile(r"^[\w./@:+-]+$", re.ASCII)


def parse_ls_names(text: str) -> tuple[str, ...]:
    """Plain `ls` output: the names, in order (columns separated by blanks)."""
    names = tuple(text.split())
    if not names:
        raise ParseError("ls listed no names", text)
    odd = [name for name in names if not _PATH_TOKEN.match(name)]
    if odd:
        raise ParseError(f"not a file name in ls output: {odd[0][:60]!r}", text)
    return names


_DAVINCI = re.compile(r"(?:^|/)davinci(\d{1,9})$", re.ASCII)


def davinci_ids(names: tuple[str, ...] | list[str]) -> tuple[int, ...]:
    """The N of every /dev/davinciN (davinci_manager is not a chip), sorted."""
    ids = (_DAVINCI.search(name) for name in names)
    return tuple(sorted(int(match.group(1)) for match in ids if match))


@dataclass(frozen=True)
class PciDevice:
    address: str  # "3d:00.0" or with domain "0000:3d:00.0"
    device_class: str  # "Processing accelerators"
    description: str  # "Huawei Technologies Co., Ltd. Device d801"
    revision: str | None  # "20"

    @property
    def device_id(self) -> str | None:
        """The PCI device ID, lower-case hex ("d801"), from "Device d801" or "[19e5:d801]"."""
        match = _PCI_DEVICE_ID.search(self.description)
        if match is None:
            return None
        return (match.group(1) or match.group(2)).lower()


_PCI_DEVICE_ID = re.compile(r"\[[0-9a-fA-F]{4}:([0-9a-fA-F]{4})\]|\bDevice ([0-9a-fA-F]{4})\b")
_PCI_ADDRESS = re.compile(r"(?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]", re.ASCII)
_BLANKS = " \t\n\r\f\v"
_CLASS_CODE = re.compile(r"\[[0-9a-fA-F]{4}\]", re.ASCII)
_REVISION = re.compile(r"\(rev[ \t\n\r\f\v]+([0-9a-fA-F]+)\)", re.ASCII)


def parse_lspci(text: str) -> tuple[PciDevice, ...]:
    """`lspci` (usually filtered by grep) rows. Empty text means no device matched: ()."""
    return tuple(_pci_device(line.strip(), text) for line in text.splitlines() if line.strip())


def _pci_device(line: str, text: str) -> PciDevice:
    """ADDRESS CLASS [code]: DESCRIPTION (rev R), the class code and revision optional.

    Read piece by piece: the one regex this replaces ended its lazy class and description on
    optional `\\s+...` suffixes, so it rescanned a long run of blanks once per blank.
    """
    address = _PCI_ADDRESS.match(line)
    head, colon, tail = line[address.end():].partition(":") if address else ("", "", "")
    device_class = _device_class(head)
    description = tail.lstrip(_BLANKS)
    if not (colon and device_class and _starts_blank(tail) and description):
        raise ParseError(f"not an lspci row: {line[:80]!r}", text)
    revision = _split_suffix(description, _REVISION, "(")
    if revision is not None:
        return PciDevice(address.group(), device_class, revision[0], revision[1].group(1))
    return PciDevice(address.group(), device_class, description, None)


def _starts_blank(text: str) -> bool:
    return text[:1] != "" and text[0] in _BLANKS


def _device_class(head: str) -> str:
    """The class between the blanks after the address and the colon, less a "[0b40]" class code;
    "" when there are no blanks. Blanks alone leave the last of them as the class."""
    if not _starts_blank(head):
        return ""
    device_class = head.lstrip(_BLANKS)
    if not device_class:
        return head[-1] if len(head) > 1 else ""
    code = _split_suffix(device_class, _CLASS_CODE, "[")
    return code[0] if code is not None else device_class


def _split_suffix(text: str, suffix: re.Pattern, opening: str) -> tuple[str, re.Match] | None:
    """(what comes before, the match) when `text` ends in blanks and `suffix`, which starts at the
    last `opening`, with something before them; None otherwise."""
    at = text.rfind(opening)
    found = suffix.fullmatch(text, at) if at > 0 else None
    before = text[:at].rstrip(_BLANKS)
    if found is None or text[at - 1] not in _BLANKS or not before:
        return None
    return before, found
