"""Which vllm-ascend release fits which vLLM, Python, torch, torch-npu, CANN and driver.

The facts live in two data files shipped with the package; this module loads them and
judges a software stack against them.  Every fact carries the public document it came from.

``doctor/data/compat.json`` (``"schema": "compat/2"``) is written by ``python -m tools.compat_gen``
from each vllm-ascend release tag's own files; never edit it by hand::

    {
      "schema": "compat/2",
      "updated": "YYYY-MM-DD",           # the date of the newest tag the generator read
      "generated_from": {"repo", "newest_tag", "commit", "newest_tag_date", "tags_read"},
      "refresh": "python -m tools.compat_gen --repo ...",
      "releases": [                      # one entry per release tag, newest first
        {
          "tag": "v0.11.0", "vllm_ascend": "0.11.0", "commit": "<sha>", "released": "YYYY-MM-DD",
          "in_matrix": true,             # whether the versioning-policy matrix lists it
          "summary": {"vllm": [...], "python": ">=3.9,<3.12", "cann": "8.3.RC2", "torch": ..., "torch_npu": ...},
          "fields": {                    # vllm, python, torch, torch_npu, cann
            "torch_npu": {
              "claims": [{"role": "requires" | "ships" | "recommends", "says": "==2.7.1",
                          "tag": "v0.11.0", "paths": ["requirements.txt", ...], "url": ...}, ...],
              "disagree": "..."          # present when the sources disagree, in words
            }, ...
          }
        }, ...
      ],
      "cann_min_driver": [               # the Ascend HDK (driver) a CANN release needs
        {
          "cann": "9.0.1", "driver": "25.5.0",
          "kind": "minimum" | "paired" | "inferred",  # minimum: Huawei names it the lowest driver
                                         # (below it FAILs); paired: released together (WARN);
                                         # inferred: no Huawei document on record (WARN)
          "warn_below": "25.5.1",        # optional: a stricter Huawei statement, WARN only
          "warn_source": {...}, "inferred_from": "9.0.0", "note": "...",
          "source": {"url": ..., "commit": ..., "doc_version": ...}
        }, ...
      ]
    }

How a found version is judged against a release's claims: doctor/compat_claims.py.

``doctor/data/platform.json`` (``"schema": "platform/1"``)::

    {
      "schema": "platform/1",
      "updated": "YYYY-MM-DD",
      "image": {
        "repository": "quay.io/ascend/vllm-ascend",
        "variants": [                    # tag suffix -> hardware variant and OS
          {"suffix": "-a3-openeuler", "variant": "a3", "os": "openeuler", "hardware": "Atlas A3",
           "dockerfile": "Dockerfile.a3.openEuler", "cann_image_chip": "a3",
           "soc_version": "ascend910_9391", "sources": [source, ...]}, ...
        ]
      },
      "socs": [                          # npu-smi chip names -> image variant, first match wins
        {"pattern": "^(ascend)?910b\\d?c?$",   # regex, matched case-insensitively
         "variant": "a2" | "a3" | "310p" | "unsupported",
         "requires_two_chips_per_npu": true,   # optional
         "examples": [...], "note": "...", "sources": [source, ...]}, ...
      ],
      "jemalloc": {
        "families": [
          {"family": "debian", "os_ids": ["ubuntu"],        # os_ids: named by a source
           "inferred_os_ids": ["debian", ...],              # assigned by packaging layout
           "path": "/usr/lib/{arch}-linux-gnu/libjemalloc.so.2", "arches": ["aarch64", "x86_64"],
           "manager": "apt", "package": "libjemalloc2", "note": "...", "sources": [source, ...]}, ...
        ],
        "inferred_note": "..."
      }
    }

Version strings: vllm-ascend, vLLM, torch and torch-npu are compared with
``packaging.version`` (local labels such as ``+cpu`` or ``+empty`` are ignored).  CANN and
driver versions ("8.1.RC1", "25.0.rc1.1", "23.0.7", "7.0.T10", "8.0.RC2.alpha002",
"9.0.0-beta.1") use :func:`ascend_version_key`: for the same ``major.minor``, internal test
builds (``T``) < ``alpha`` < ``beta`` < ``RCn`` < final releases ``major.minor.N``; a trailing
``alphaNNN``/``betaN`` marks a pre-release of what precedes it, a trailing number a patch of it
("24.1.rc2" < "24.1.rc2.2" < "24.1.rc3" < "24.1.0" < "24.1.0.1").
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from packaging.version import InvalidVersion, Version

from doctor import compat_claims
from doctor.model import FAIL, WARN, Status

__all__ = [
    "Mismatch",
    "Stack",
    "ascend_version_key",
    "check_stack",
    "compare_ascend_versions",
    "image_tag_os",
    "image_tag_variant",
    "image_tag_version",
    "image_variant_for",
    "jemalloc_package",
    "jemalloc_path",
    "min_driver_entry",
    "min_driver_for_cann",
    "newest_release",
    "release_for",
    "release_lookup",
    "releases",
]


@dataclass(frozen=True)
class Stack:
    """What a host or image has; any field may be None (unknown)."""

    python: str | None = None
    vllm: str | None = None
    vllm_ascend: str | None = None
    torch: str | None = None
    torch_npu: str | None = None
    cann: str | None = None
    driver: str | None = None


@dataclass(frozen=True)
class Mismatch:
    component: str      # "python", "vllm", "torch", "torch_npu", "cann", "driver"
    found: str
    expected: str       # human-readable, names the release that sets the expectation
    severity: Status    # FAIL or WARN (WARN: newer than tested, or a pairing rather than a floor)
    source: str         # URL of the document the expectation comes from


# --------------------------------------------------------------------------- data


@lru_cache(maxsize=None)
def _load(name: str) -> dict[str, Any]:
    text = resources.files("doctor").joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text)


def _compat() -> dict[str, Any]:
    return _load("compat.json")


def _platform() -> dict[str, Any]:
    return _load("platform.json")


def releases() -> list[dict[str, Any]]:
    """Every matrix row (a copy), newest first as the source lists them."""
    return copy.deepcopy(_compat()["releases"])


def _source_url(source: dict[str, Any] | str | None) -> str:
    if isinstance(source, dict):
        return str(source.get("url") or "")
    return str(source or "")


# --------------------------------------------------------------------------- Ascend versions

_STAGES = {"t": 0, "alpha": 1, "beta": 2, "rc": 3}
_FINAL = 4
_TOKEN = re.compile(r"^(t|alpha|beta|rc|b)?(\d+)$")
_WORD = re.compile(r"^(t|alpha|beta|rc)$")
_PREFIX = re.compile(r"^\s*(cann|ascend\s+hdk|hdk|npu-smi)\s+", re.IGNORECASE)


def ascend_version_key(version: str) -> tuple:
    """A sort key for CANN / Ascend HDK / firmware version strings.

    Raises ValueError for strings that are not such a version (e.g. "V100R001C21SPC001B238").
    """
    if not isinstance(version, str):
        raise ValueError(f"not an Ascend version: {version!r}")
    text = _PREFIX.sub("", version.strip()).lower().replace("-", ".")
    parts = [p for p in text.split(".")]
    if len(parts) < 2 or not parts[0].isdigit() or not parts[1].isdigit():
        raise ValueError(f"not an Ascend version: {version!r}")
    # glue "beta" "1" -> "beta1"
    rest_raw: list[str] = []
    i = 2
    while i < len(parts):
        part = parts[i]
        if _WORD.match(part) and i + 1 < len(parts) and parts[i + 1].isdigit():
            part = part + parts[i + 1]
            i += 1
        rest_raw.append(part)
        i += 1
    if not rest_raw:
        rest_raw = ["0"]
    tokens = []
    for part in rest_raw:
        m = _TOKEN.match(part)
        if not m:
            raise ValueError(f"not an Ascend version: {version!r}")
        tokens.append((m.group(1) or "", int(m.group(2))))
    kind, number = tokens[0]
    if kind == "b":
        raise ValueError(f"not an Ascend version: {version!r}")
    stage = _STAGES[kind] if kind else _FINAL
    tail: list[tuple[int, int]] = []
    for kind, number_ in tokens[1:]:
        if kind in ("", "b"):
            tail.append((1, number_))          # a patch / build of what precedes
        else:
            tail.append((_STAGES[kind] - 4, number_))  # a pre-release of what precedes
    while tail and tail[-1] == (1, 0):
        tail.pop()
    tail.append((0, 0))                         # terminator: "x" < "x.1", "x.alpha1" < "x"
    return (int(parts[0]), int(parts[1]), stage, number, tuple(tail))


def compare_ascend_versions(a: str, b: str) -> int:
    """-1, 0 or 1 as CANN/driver version `a` is older than, equal to or newer than `b`.

    Raises ValueError when either string is not an Ascend version.
    """
    ka, kb = ascend_version_key(a), ascend_version_key(b)
    return (ka > kb) - (ka < kb)


def _ascend_key_or_none(version: str | None) -> tuple | None:
    if not version:
        return None
    try:
        return ascend_version_key(version)
    except ValueError:
        return None


# --------------------------------------------------------------------------- PEP 440 helpers

_LEADING_VERSION = re.compile(r"^[vV]?(\d+(?:\.\d+)*[0-9A-Za-z.+!_-]*)")


def _pep440(text: str | None) -> Version | None:
    """Version of a package/interpreter string, ignoring a local label; None if unreadable."""
    if not text:
        return None
    token = str(text).strip().split()[0] if str(text).strip() else ""
    m = _LEADING_VERSION.match(token)
    if not m:
        return None
    try:
        v = Version(m.group(1))
    except InvalidVersion:
        return None
    try:
        return Version(v.public)
    except InvalidVersion:  # pragma: no cover - public of a valid version is valid
        return v


def _release3(v: Version) -> tuple[int, int, int]:
    r = tuple(v.release) + (0, 0, 0)
    return (r[0], r[1], r[2])


# --------------------------------------------------------------------------- release lookup


def _row_versions() -> list[tuple[Version, dict[str, Any]]]:
    out = []
    for row in _compat()["releases"]:
        out.append((Version(row["vllm_ascend"]), row))
    return out


def release_lookup(vllm_ascend: str | None) -> tuple[dict[str, Any] | None, str | None]:
    """(matrix row, None) or (None, reason it could not be found).

    Tolerates a leading "v", a local label ("0.11.0rc0+g1234") and trailing text such as
    "(git sha: 507dce5)".  Development builds ("0.11.0rc1.dev103+gdaa4dd0a5") are not releases:
    they get None and a reason naming the nearest earlier release.
    """
    if vllm_ascend is None or not str(vllm_ascend).strip():
        return None, "no vllm-ascend version given"
    raw = str(vllm_ascend).strip()
    token = raw.split()[0]
    if token[:1] in ("v", "V"):
        token = token[1:]
    try:
        version = Version(token)
    except InvalidVersion:
        return None, f"vllm-ascend version {raw!r} is not a PEP 440 version; cannot look it up"
    rows = _row_versions()
    if version.is_devrelease:
        earlier = [(v, r) for v, r in rows if v < version]
        if earlier:
            v, row = max(earlier, key=lambda item: item[0])
            hint = f"the nearest earlier release in the matrix is {row['tag']}"
        else:
            hint = "no release tag was visible to the build (e.g. a shallow clone)"
        return None, (f"vllm-ascend {raw} is a development build from source, not a release; "
                      f"the matrix covers releases only ({hint})")
    public = Version(version.public)
    for v, row in rows:
        if v == public:
            return copy.deepcopy(row), None
    newest = max(v for v, _ in rows)
    oldest = min(v for v, _ in rows)
    side = "newer than every release" if public > newest else "not a release"
    return None, (f"vllm-ascend {public} is {side} in the compatibility matrix "
                  f"(v{oldest} .. v{newest}, data updated {_compat().get('updated')})")


def release_for(vllm_ascend: str | None) -> dict[str, Any] | None:
    """The matrix row for a vllm-ascend version, or None (see release_lookup for the reason)."""
    return release_lookup(vllm_ascend)[0]


# --------------------------------------------------------------------------- driver floor


def min_driver_entry(cann: str | None) -> dict[str, Any] | None:
    """The recorded driver requirement for a CANN version, as a dict with an added
    "inferred_from" key (None for an exact record).

    A CANN version with no record of its own gets the entry of the nearest older recorded
    CANN release (its floor can only be the same or higher), with "inferred_from" naming it.
    """
    key = _ascend_key_or_none(cann)
    if key is None:
        return None
    best: tuple[tuple, dict[str, Any]] | None = None
    for entry in _compat()["cann_min_driver"]:
        ekey = ascend_version_key(entry["cann"])
        if ekey == key:
            found = copy.deepcopy(entry)
            found["inferred_from"] = entry.get("inferred_from")
            return found
        if ekey < key and (best is None or ekey > best[0]):
            best = (ekey, entry)
    if best is None:
        return None
    found = copy.deepcopy(best[1])
    found["inferred_from"] = best[1]["cann"]
    return found


def min_driver_for_cann(cann: str | None) -> str | None:
    """The lowest Ascend HDK driver version known to go with this CANN version, or None."""
    entry = min_driver_entry(cann)
    return entry["driver"] if entry else None


# --------------------------------------------------------------------------- stack check


_COMPONENTS = ("python", "vllm", "torch", "torch_npu", "cann")


def _check_row(stack: Stack, row: dict[str, Any]) -> list[Mismatch]:
    out: list[Mismatch] = []
    for component in _COMPONENTS:
        found = getattr(stack, component)
        if not found:
            continue
        verdict = compat_claims.judge(component, found, row["fields"][component]["claims"])
        if verdict:
            if component == "python":
                found = str(compat_claims.pep440(found) or found)   # "3.9.21 (main, ...)" -> "3.9.21"
            out.append(Mismatch(component, str(found), f"{verdict.text} (vllm-ascend {row['tag']})",
                                verdict.status, verdict.url))
    return out


def _driver_text(entry: dict[str, Any], floor: str, cann: str, cann_origin: str) -> str:
    how = {"minimum": "needs", "paired": "is released with"}.get(entry["kind"], "is taken to need")
    text = f"{floor} or newer (CANN {cann}{cann_origin} {how} it"
    if entry.get("inferred_from"):
        text += f"; taken from CANN {entry['inferred_from']}, the nearest older release on record"
    if entry.get("note"):
        text += f"; {entry['note']}"
    return text + ")"


def _check_driver(driver: str | None, cann: str | None, cann_origin: str) -> list[Mismatch]:
    if not driver or not cann:
        return []
    entry = min_driver_entry(cann)
    if entry is None:
        return []
    dk = _ascend_key_or_none(driver)
    source = _source_url(entry.get("source"))
    if dk is None:
        return [Mismatch("driver", driver, f"{entry['driver']} or newer for CANN {cann} "
                         "(the found version is unreadable)", WARN, source)]
    if dk < ascend_version_key(entry["driver"]):
        fails = entry["kind"] == "minimum" and not entry["inferred_from"]
        return [Mismatch("driver", driver, _driver_text(entry, entry["driver"], cann, cann_origin),
                         FAIL if fails else WARN, source)]
    stricter = entry.get("warn_below")
    if stricter and dk < ascend_version_key(stricter):
        return [Mismatch("driver", driver, _driver_text(entry, stricter, cann, cann_origin), WARN,
                         _source_url(entry.get("warn_source")) or source)]
    return []


def newest_release() -> dict[str, Any]:
    """The newest release the data knows (a copy)."""
    return copy.deepcopy(max(_row_versions(), key=lambda item: item[0])[1])


def _newer_than_data(vllm_ascend: str) -> bool:
    try:
        version = Version(str(vllm_ascend).split()[0].lstrip("vV"))
    except (InvalidVersion, IndexError):
        return False
    return not version.is_devrelease and Version(version.public) > max(v for v, _ in _row_versions())


def _capped(mismatches: list[Mismatch]) -> list[Mismatch]:
    return [Mismatch(m.component, m.found, m.expected, WARN, m.source) for m in mismatches]


def _judge_newer(stack: Stack) -> list[Mismatch]:
    """A release newer than the data: judged against the newest row, as warnings only."""
    row = newest_release()
    data = _compat()
    stale = Mismatch("vllm_ascend", str(stack.vllm_ascend),
                     f"at most {row['tag']}: the compatibility data is older than this release (it read "
                     f"vllm-ascend tags up to {data['updated']}); findings below compare with {row['tag']}; "
                     f"refresh the data with `{data.get('refresh', 'python -m tools.compat_gen')}`",
                     WARN, str(data.get("generated_from", {}).get("repo", "")))
    return [stale, *_capped(_check_row(stack, row))]


def check_stack(stack: Stack) -> tuple[list[Mismatch], str | None]:
    """Judge a stack against the release data of its vllm-ascend release.

    Returns the mismatches and a note when the release check could not be made (no
    vllm-ascend, a development build, a version that is no release).  A release newer than the
    data is judged against the newest release on record, as warnings.  The driver is checked
    against the CANN version even then (the stack's own CANN, else the release's).
    """
    row: dict[str, Any] | None = None
    mismatches: list[Mismatch] = []
    if not stack.vllm_ascend:
        note: str | None = "no vllm-ascend version known; the release data was not applied"
    elif _newer_than_data(stack.vllm_ascend):
        row, note = newest_release(), None
        mismatches.extend(_judge_newer(stack))
    else:
        row, note = release_lookup(stack.vllm_ascend)
        if row is not None:
            mismatches.extend(_check_row(stack, row))
    if stack.cann:
        mismatches.extend(_check_driver(stack.driver, stack.cann, ""))
    elif row is not None and row["summary"].get("cann"):
        mismatches.extend(_check_driver(stack.driver, row["summary"]["cann"], f" of vllm-ascend {row['tag']}"))
    return mismatches, note


# --------------------------------------------------------------------------- images and SoCs


def image_variant_for(soc: str, *, two_chips_per_npu: bool = False) -> str:
    """The vllm-ascend image variant for a chip name as npu-smi prints it.

    "a2" (910B1..910B4, 910B2C), "a3" (Ascend910_93xx, or the bare name "Ascend910" when the
    caller saw two chips per NPU), "310p" (310P1, 310P3).  Two more answers exist: "unsupported"
    for chips no vllm-ascend image serves (first-generation 910A/910ProB, 310, 310B) and
    "unknown" for names not on record, including a bare "Ascend910" without two-chip evidence.
    """
    name = re.sub(r"\s+", "", str(soc or "")).lower()
    if not name:
        return "unknown"
    for rule in _platform()["socs"]:
        if re.match(rule["pattern"], name, re.IGNORECASE):
            if rule.get("requires_two_chips_per_npu") and not two_chips_per_npu:
                return "unknown"
            return str(rule["variant"])
    return "unknown"


_TAG_BASE = re.compile(r"^v?(\d+\.\d+\.\d+(?:\.\d+)?(?:rc\d+)?(?:\.post\d+)?)$", re.IGNORECASE)
_TAG_NAMED = {"main", "latest", "nightly"}


def _tag_of(ref: str) -> str | None:
    ref = (ref or "").strip()
    if not ref:
        return None
    ref = ref.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        return last.split(":", 1)[1] or None
    return None if "/" in ref else last


def _parse_tag(ref: str) -> tuple[str | None, str, str] | None:
    """(version or None, variant, os) of an image reference or tag; None if not a vllm-ascend tag."""
    tag = _tag_of(ref)
    if not tag:
        return None
    suffixes = {v["suffix"].lower(): v for v in _platform()["image"]["variants"]}
    lowered = tag.lower()
    for suffix in sorted(suffixes, key=len, reverse=True):
        if suffix and lowered.endswith(suffix):
            base = tag[: len(tag) - len(suffix)]
            variant = suffixes[suffix]
            break
    else:
        base, variant = tag, suffixes[""]
    m = _TAG_BASE.match(base)
    if m:
        version = m.group(1)
    elif base.lower() in _TAG_NAMED:
        version = None
    else:
        return None
    return version, str(variant["variant"]), str(variant["os"])


def image_tag_variant(tag: str) -> str | None:
    """"v0.11.0rc0-a3" -> "a3"; "v0.11.0rc0" -> "a2"; "...-310p-openeuler" -> "310p"; else None.

    Accepts a bare tag or a full reference ("quay.io/ascend/vllm-ascend:v0.11.0rc0-a3").
    """
    parsed = _parse_tag(tag)
    return parsed[1] if parsed else None


def image_tag_version(tag: str) -> str | None:
    """"v0.11.0rc0-a3-openeuler" -> "0.11.0rc0"; None for "main"/"latest" or a foreign tag."""
    parsed = _parse_tag(tag)
    return parsed[0] if parsed else None


def image_tag_os(tag: str) -> str | None:
    """"ubuntu" or "openeuler" for a vllm-ascend image tag; None for a foreign tag."""
    parsed = _parse_tag(tag)
    return parsed[2] if parsed else None


# --------------------------------------------------------------------------- jemalloc

_ARCH_ALIASES = {"arm64": "aarch64", "aarch64": "aarch64", "amd64": "x86_64", "x86_64": "x86_64", "x64": "x86_64"}


def _jemalloc_family(os_id: str) -> dict[str, Any] | None:
    wanted = str(os_id or "").strip().strip("\"'").lower()
    if not wanted:
        return None
    for family in _platform()["jemalloc"]["families"]:
        ids = [i.lower() for i in family["os_ids"] + family.get("inferred_os_ids", [])]
        if wanted in ids:
            return family
    return None


def jemalloc_path(os_id: str, arch: str) -> str | None:
    """Where the OS package puts libjemalloc.so.2 (os_id: /etc/os-release ID; arch: uname -m)."""
    family = _jemalloc_family(os_id)
    machine = _ARCH_ALIASES.get(str(arch or "").strip().lower())
    if family is None or machine is None or machine not in family["arches"]:
        return None
    return str(family["path"]).format(arch=machine)


def jemalloc_package(os_id: str) -> tuple[str, str] | None:
    """(package manager, package name): ("apt", "libjemalloc2") or ("dnf", "jemalloc")."""
    family = _jemalloc_family(os_id)
    if family is None:
        return None
    return str(family["manager"]), str(family["package"])
