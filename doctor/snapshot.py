"""Raw evidence on disk (collect) and back (check --snapshot).

A snapshot is a directory: manifest.json (what ran, how it ended, how long it
took, when) and one file of raw output per observation, secrets redacted.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile

from doctor.evidence import STATUSES, Evidence, Observation
from doctor.redact import redact_observation

SCHEMA = "ascend-doctor-snapshot/1"
MANIFEST = "manifest.json"


class SnapshotError(Exception):
    """A snapshot that cannot be written or read; the message says what to do."""


def file_name(key: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("_")[:120] or "item"
    name, n = f"{base}.txt", 1
    while name in taken:
        n += 1
        name = f"{base}.{n}.txt"
    taken.add(name)
    return name


def write(evidence: Evidence, directory: str, force: bool = False) -> str:
    """Write atomically: the snapshot appears complete or not at all."""
    target = os.path.abspath(directory)
    if os.path.exists(target) and os.listdir(target) and not force:
        raise SnapshotError(f"{directory} exists and is not empty; choose another directory or pass --force")
    parent = os.path.dirname(target)
    try:
        os.makedirs(parent, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".snapshot-", dir=parent)
    except OSError as exc:
        raise SnapshotError(f"cannot write under {parent}: {exc.strerror}") from exc
    try:
        _fill(evidence, staging)
        if os.path.exists(target):
            shutil.rmtree(target)
        os.replace(staging, target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise SnapshotError(f"cannot write the snapshot to {directory}: {exc}") from exc
    return target


def _fill(evidence: Evidence, staging: str) -> None:
    taken: set[str] = set()
    items = []
    for obs in map(redact_observation, evidence.observations.values()):
        name = file_name(obs.key, taken) if obs.output else None
        if name:
            with open(os.path.join(staging, name), "w", encoding="utf-8") as handle:
                handle.write(obs.output)
        items.append(obs.to_manifest(name))
    manifest = {"schema": SCHEMA, "meta": evidence.meta, "items": items}
    with open(os.path.join(staging, MANIFEST), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=1, sort_keys=True)


def read(directory: str) -> Evidence:
    manifest = _load_manifest(directory)
    evidence = Evidence(meta=manifest.get("meta") or {})
    for index, entry in enumerate(manifest["items"]):
        evidence.add(_observation(directory, entry, index))
    return evidence


def _load_manifest(directory: str) -> dict:
    path = os.path.join(directory, MANIFEST)
    if not os.path.isdir(directory):
        raise SnapshotError(f"{directory} is not a directory; give the directory `ascend-doctor collect -o` wrote")
    try:
        with open(path, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except FileNotFoundError as exc:
        raise SnapshotError(f"{directory} has no {MANIFEST}; it is not a snapshot") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"{path} is not valid JSON ({exc}); the snapshot is damaged") from exc
    if not isinstance(manifest, dict) or manifest.get("schema") != SCHEMA:
        found = manifest.get("schema") if isinstance(manifest, dict) else type(manifest).__name__
        raise SnapshotError(f"{path} has schema {found!r}; this ascend-doctor reads {SCHEMA!r}")
    if not isinstance(manifest.get("items"), list):
        raise SnapshotError(f"{path} has no list of items; the snapshot is damaged")
    return manifest


def _observation(directory: str, entry: object, index: int) -> Observation:
    if not isinstance(entry, dict) or not isinstance(entry.get("key"), str) or entry.get("status") not in STATUSES:
        raise SnapshotError(f"item {index} of {MANIFEST} is damaged (needs a key and a known status): {entry!r:.200}")
    output = ""
    if entry.get("output_file"):
        output = _read_output(directory, str(entry["output_file"]))
    fields = {k: entry[k] for k in ("kind", "stderr", "exit_code", "duration_s", "started_at", "detail") if k in entry}
    return Observation(key=entry["key"], status=entry["status"], output=output,
                       argv=tuple(entry.get("argv") or ()), **{"kind": "command", **fields})


def _read_output(directory: str, name: str) -> str:
    path = os.path.join(directory, os.path.basename(name))
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", errors="replace")
    except OSError as exc:
        raise SnapshotError(f"{MANIFEST} names {name} but it cannot be read: {exc.strerror}") from exc
