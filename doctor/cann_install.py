"""Where CANN is installed and which version, read from the collected version files."""

from __future__ import annotations

import os
from dataclasses import dataclass

from doctor.evidence_keys import ASCEND_FILES, path_of
from doctor.facts import Facts, Undecided
from doctor.parsers import version_files
from doctor.parsers.errors import ParseError


@dataclass(frozen=True)
class CannInstall:
    home: str           # e.g. /usr/local/Ascend/ascend-toolkit/latest, /usr/local/Ascend/cann-8.5.0
    version: str | None
    source: str         # the file the version came from


def _home_of(path: str) -> str:
    parent = os.path.dirname(path)
    return os.path.dirname(parent) if parent.endswith("-linux") else parent


def installs(facts: Facts) -> list[CannInstall]:
    found: dict[str, CannInstall] = {}
    for key in facts.evidence.keys_matching(ASCEND_FILES):
        path = path_of(key)
        if not path.endswith(("install.info", "version.cfg")) or "/driver/" in path or "/firmware/" in path:
            continue
        obs = facts.evidence.get(key)
        if obs is None or not obs.ok:
            continue
        version = _version(path, obs.output)
        home = _home_of(path)
        if home not in found or (found[home].version is None and version):
            found[home] = CannInstall(home, version, path)
    return sorted(found.values(), key=lambda i: i.home)


def _version(path: str, text: str) -> str | None:
    try:
        if path.endswith("version.cfg"):
            return version_files.cann_version_from_cfg(version_files.parse_version_cfg(text))
        return version_files.version_of(version_files.parse_version_file(text))
    except ParseError:
        return None


def cann_version(facts: Facts) -> tuple[str | None, str]:
    """The CANN version in use and where it was read; env ASCEND_TOOLKIT_HOME picks among several."""
    found = installs(facts)
    if not found:
        return None, "no CANN version file found"
    home = _active_home(facts)
    chosen = next((i for i in found if home and os.path.realpath(i.home) == os.path.realpath(home)), found[0])
    return chosen.version, chosen.source


def _active_home(facts: Facts) -> str | None:
    try:
        env = facts.env()
    except Undecided:
        return None
    return env.get("ASCEND_TOOLKIT_HOME") or env.get("ASCEND_HOME_PATH")
