"""Judge one found version against what each upstream source says about that component.

A release's data (doctor/data/compat.json, "compat/2") lists, per component, claims such as
``{"role": "requires", "says": "==2.7.1", "tag": "v0.11.0", "paths": ["requirements.txt"]}``.
Roles:

* ``requires``: a constraint (a package pin, the install page, the matrix): it accepts or rejects;
* ``ships``: what an official image carries: it accepts its own value and rejects nothing;
* ``recommends``: a manual upgrade the release notes ask for: it never rejects, it only warns
  when the found version is older.

``says`` is a PEP 440 specifier set (CANN: the same operators over Ascend versions), with
``||`` between alternatives (one per hardware table of a page, or per vLLM version).

The verdict: nothing accepts -> FAIL (WARN for a newer build than every source names); some
accept and others reject -> WARN naming the disagreement; all agree -> PASS, or WARN when the
release notes ask for a newer manual upgrade.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from doctor.model import FAIL, WARN, Status

_CLAUSE = re.compile(r"^(==|>=|<=|!=|>|<)\s*(\S+)$")
_VERBS = {"requires": "requires", "ships": "ships", "recommends": "asks for a manual upgrade to"}


@dataclass(frozen=True)
class Verdict:
    status: Status        # WARN or FAIL
    text: str             # what the sources say, naming each
    url: str              # the source the verdict leans on


def pep440(text: str | None) -> Version | None:
    """The public version of a package or interpreter string; None if unreadable."""
    token = str(text or "").strip().split(" ")[0].lstrip("vV")
    match = re.match(r"\d+(\.\d+)*[0-9A-Za-z.+!_-]*", token)
    if not match:
        return None
    try:
        return Version(Version(match.group(0)).public)
    except InvalidVersion:
        return None


def ascend_key(text: str | None) -> tuple | None:
    from doctor.compat import ascend_version_key  # the one Ascend version order
    try:
        return ascend_version_key(str(text or "").strip())
    except ValueError:
        return None


def _found_key(component: str, found: str):
    return ascend_key(found) if component == "cann" else pep440(found)


def _accepts_ascend(spec: str, key: tuple) -> bool | None:
    for clause in spec.split(","):
        match = _CLAUSE.match(clause.strip())
        bound = ascend_key(match.group(2)) if match else None
        if bound is None:
            return None
        op = match.group(1)
        ok = {"==": key == bound, "!=": key != bound, ">=": key >= bound, "<=": key <= bound,
              ">": key > bound, "<": key < bound}[op]
        if not ok:
            return False
    return True


def _accepts_one(component: str, spec: str, key) -> bool | None:
    if component == "cann":
        return _accepts_ascend(spec, key)
    try:
        inside = SpecifierSet(spec).contains(key, prereleases=True)
    except InvalidSpecifier:
        return None
    return inside and _within_adapter_line(component, spec, key)


def _within_adapter_line(component: str, spec: str, key: Version) -> bool:
    """torch-npu X.Y.Z adapts torch X.Y.Z only, so an open ">= X.Y.Z" for either stays on that line."""
    clauses = [m for clause in spec.split(",") if (m := _CLAUSE.match(clause.strip()))]
    if component not in ("torch", "torch_npu") or any(m.group(1) in ("==", "<", "<=") for m in clauses):
        return True
    bounds = [pep440(m.group(2)) for m in clauses if m.group(1) in (">=", ">")]
    return all(b is None or _release3(b) == _release3(key) for b in bounds)


def accepts(component: str, says: str, found_key) -> bool:
    """Whether a claim's `says` admits the found version (an unreadable clause admits nothing)."""
    return any(_accepts_one(component, alt.strip(), found_key) for alt in says.split("||"))


def named_versions(says: str) -> list[str]:
    """Every version a claim names ("==2.7.1 || ==2.7.1.post1" -> ["2.7.1", "2.7.1.post1"])."""
    return [m.group(2).rstrip(".*") for alt in says.split("||") for clause in alt.split(",")
            if (m := _CLAUSE.match(clause.strip()))]


def describe(claim: dict) -> str:
    """"requirements.txt, pyproject.toml @v0.11.0 requires ==2.7.1"."""
    says = claim["says"]
    if claim["role"] == "recommends":
        says = says.lstrip("=")
    return f"{', '.join(claim['paths'])} @{claim['tag']} {_VERBS[claim['role']]} {says}"


def _release3(version: Version) -> tuple:
    return (tuple(version.release) + (0, 0, 0))[:3]


def _newer_than_all(component: str, key, claims: list[dict]) -> bool:
    """A newer build than any source names: same release line for packages, any newer CANN."""
    named = [_found_key(component, v) for c in claims for v in named_versions(c["says"])]
    named = [n for n in named if n is not None]
    if not named or any(key <= n for n in named):
        return False
    return component == "cann" or any(_release3(key) == _release3(n) for n in named)


def _older_than(component: str, key, claim: dict) -> bool:
    versions = named_versions(claim["says"])
    return bool(versions) and not accepts(component, ">=" + versions[0], key)


def judge(component: str, found: str, claims: list[dict]) -> Verdict | None:
    """WARN or FAIL with the sources' words, or None when the found version fits them all."""
    deciding = [c for c in claims if c["role"] in ("requires", "ships")]
    upgrades = [c for c in claims if c["role"] == "recommends"]
    if not deciding:
        return None
    everything = "; ".join(describe(c) for c in deciding)
    key = _found_key(component, found)
    if key is None:
        return Verdict(WARN, f"the found version is unreadable; {everything}", deciding[0]["url"])
    accepting = [c for c in deciding if accepts(component, c["says"], key)]
    rejecting = [c for c in deciding if c["role"] == "requires" and c not in accepting]
    if not accepting:
        if component != "python" and _newer_than_all(component, key, deciding):
            return Verdict(WARN, f"newer than any source names, untested: {everything}", deciding[0]["url"])
        if not rejecting:      # only images name it, and an image's choice rules nothing out
            return Verdict(WARN, f"not what the official images ship: {everything}", deciding[0]["url"])
        return Verdict(FAIL, f"outside what every source allows: {everything}", rejecting[0]["url"])
    asked_for = [c for c in upgrades if accepts(component, c["says"], key)]
    pending = [c for c in upgrades if _older_than(component, key, c)]
    upgrade = "; ".join(describe(c) for c in pending)
    if rejecting and not asked_for:
        agree = "; ".join(describe(c) for c in accepting)
        disagree = "; ".join(describe(c) for c in rejecting)
        text = f"the sources disagree: {agree}; but {disagree}" + (f"; {upgrade}" if upgrade else "")
        return Verdict(WARN, text, (pending or rejecting)[0]["url"])
    if pending:
        return Verdict(WARN, upgrade, pending[0]["url"])
    return None
