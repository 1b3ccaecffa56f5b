"""Ascend version and install files.

* driver/firmware `version.info`, `/etc/ascend_install.info`, CANN
  `ascend_toolkit_install.info` / `ascend_nnae_install.info`: `key=value`;
* nnal/atb `version.info`: indented `key : value`;
* toolkit `version.cfg`: `x_running_version=[inner:version][inner:version]`;
* `compatible_version*` values: `[a,b],[c]` lists of versions or ranges.
"""

from __future__ import annotations

import re

from doctor.parsers.errors import ParseError

_SEPARATORS = ("=", ":")
# In order of preference: the package's own version, not a component's.
_VERSION_KEYS = ("Version", "version", "package_version")
_PACKAGE_NAME_PREFIX = "Ascend-cann-"  # nnal/atb: "Ascend-cann-atb : 8.2.RC1"
_BRACKET_GROUP = re.compile(r"\[([^\[\]]*)\]")
_RANGE_GLUE = re.compile(r"[\s,]*")


def _content_lines(text: str) -> list[str]:
    stripped = (line.strip() for line in text.splitlines())
    return [line for line in stripped if line and not line.startswith("#")]


def _split_pair(line: str) -> tuple[str, str] | None:
    """Split at whichever of '=' and ':' comes first; None if the line has neither or no key."""
    positions = [line.find(sep) for sep in _SEPARATORS if sep in line]
    if not positions:
        return None
    cut = min(positions)
    key, value = line[:cut].strip(), line[cut + 1 :].strip()
    return (key, value) if key else None


def parse_version_file(text: str) -> dict[str, str]:
    """key -> value, keys as written. Lines that are not key/value are ignored."""
    fields: dict[str, str] = {}
    for line in _content_lines(text):
        pair = _split_pair(line)
        if pair is not None:
            # A repeated key takes the later value, as a shell sourcing the file would.
            fields[pair[0]] = pair[1]
    if not fields:
        raise ParseError("no 'key=value' or 'key : value' line in version file", text)
    return fields


def version_of(fields: dict[str, str]) -> str | None:
    """The package's own version, or None if the file does not state one."""
    for key in _VERSION_KEYS:
        if fields.get(key):
            return fields[key]
    for key, value in fields.items():
        if key.startswith(_PACKAGE_NAME_PREFIX) and " " not in key and value:
            return value
    return None


def _bracket_groups(value: str, text: str) -> list[str]:
    """The contents of `[..]` groups; anything but commas/blanks between them is an error."""
    groups = _BRACKET_GROUP.findall(value)
    leftover = _BRACKET_GROUP.sub(",", value)
    if _RANGE_GLUE.fullmatch(leftover) is None:
        raise ParseError(f"expected '[..]' groups, got {value[:80]!r}", text)
    return groups


def parse_ranges(value: str) -> tuple[tuple[str, ...], ...]:
    """`[7.0.0,7.2.99]` -> (("7.0.0", "7.2.99"),); `[A],[B]` -> (("A",), ("B",)). Empty -> ()."""
    ranges = []
    for group in _bracket_groups(value, value):
        items = tuple(item.strip() for item in group.split(","))
        if not all(items):
            raise ParseError(f"empty version in {value[:80]!r}", value)
        ranges.append(items)
    return tuple(ranges)


def parse_version_cfg(text: str) -> dict[str, tuple[tuple[str, str], ...]]:
    """`version.cfg`: key -> ((inner, version), ...) in file order."""
    cfg: dict[str, tuple[tuple[str, str], ...]] = {}
    for line in _content_lines(text):
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ParseError(f"version.cfg line is not key=[..]: {line[:80]!r}", text)
        cfg[key.strip()] = tuple(_inner_and_version(group, text) for group in _bracket_groups(value, text))
    if not cfg:
        raise ParseError("version.cfg has no key=[..] line", text)
    return cfg


def _inner_and_version(group: str, text: str) -> tuple[str, str]:
    inner, sep, version = (part.strip() for part in group.partition(":"))
    if not sep or not inner or not version:
        raise ParseError(f"version.cfg entry is not [inner:version]: [{group[:60]}]", text)
    return inner, version


def cann_version_from_cfg(cfg: dict[str, tuple[tuple[str, str], ...]]) -> str | None:
    """The version the toolkit runs: the last entry of toolkit_running_version."""
    entries = cfg.get("toolkit_running_version")
    return entries[-1][1] if entries else None
