"""Raw evidence on disk (collect) and back (check --snapshot).

A snapshot is a directory: manifest.json (what ran, how it ended, how long it
took, when) and one file of raw output per observation, secrets redacted.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile

from doctor import bounded
from doctor.atomic_file import fsync_directory
from doctor.evidence import DOCUMENT_SCHEMA, OK, REFUSED, STATUSES, TOO_LARGE, Evidence, Observation
from doctor.printable import printable_line
from doctor.redact import redact_observation, redact_structure

SCHEMA = "ascend-doctor-snapshot/1"
MANIFEST = "manifest.json"
MANIFEST_LIMIT = 16 * 1024 * 1024
OUTPUT_FILE_LIMIT = 4 * 1024 * 1024         # one observation's output; probes keep at most 1 MiB
TOTAL_OUTPUT_LIMIT = 32 * 1024 * 1024       # all of them together
ITEM_LIMIT = 10_000
FIELD_LIMIT = 64 * 1024


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
    """Write atomically: the snapshot appears complete or not at all.

    The new snapshot is built beside the target and swapped in; `force` replaces only a
    directory that holds an ascend-doctor snapshot and nothing else.
    """
    target = os.path.abspath(directory)
    _check_target(target, directory, force)
    parent = os.path.dirname(target)
    try:
        os.makedirs(parent, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".snapshot-", dir=parent)
    except OSError as exc:
        raise SnapshotError(f"cannot write under {parent}: {exc.strerror or exc}") from exc
    try:
        _fill(evidence, staging)
        _swap_in(staging, target)
        fsync_directory(parent)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise SnapshotError(f"cannot write the snapshot to {directory}: {exc.strerror or exc}") from exc
    return target


def _check_target(target: str, shown: str, force: bool) -> None:
    if os.path.islink(target):
        raise SnapshotError(f"{shown} is a symbolic link; give the directory itself")
    if not os.path.lexists(target):
        return
    if not os.path.isdir(target):
        raise SnapshotError(f"{shown} exists and is not a directory; choose a new directory name")
    if os.path.ismount(target):
        raise SnapshotError(f"{shown} is a mount point and cannot be replaced; write the snapshot to a new "
                            f"directory inside it, e.g. {os.path.join(shown, 'snapshot')}")
    try:
        entries = os.listdir(target)
    except OSError as exc:
        raise SnapshotError(f"cannot look into {shown}: {exc.strerror}") from exc
    if not entries:
        return
    if not force:
        raise SnapshotError(f"{shown} exists and is not empty; choose another directory, or pass --force "
                            "to replace a snapshot written there before")
    foreign = _foreign_entries(target, entries)
    if foreign:
        listed = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise SnapshotError(f"{shown} holds more than an ascend-doctor snapshot ({listed}); --force replaces "
                            "only a snapshot, so nothing was touched")


def _foreign_entries(directory: str, entries: list[str]) -> list[str]:
    """What in `directory` is not its snapshot: everything, when it holds no readable manifest."""
    try:
        manifest = _load_manifest(directory)
    except SnapshotError:
        return sorted(entries)
    named = {MANIFEST} | {str(item.get("output_file")) for item in manifest["items"] if isinstance(item, dict)}
    return sorted(e for e in entries if e not in named or not os.path.isfile(os.path.join(directory, e))
                  or os.path.islink(os.path.join(directory, e)))


def _swap_in(staging: str, target: str) -> None:
    if not os.path.lexists(target) or not os.listdir(target):
        os.replace(staging, target)
        return
    aside = f"{staging}.replaced"
    os.rename(target, aside)
    try:
        os.rename(staging, target)
    except OSError:
        os.rename(aside, target)
        raise
    shutil.rmtree(aside, ignore_errors=True)


def _fill(evidence: Evidence, staging: str) -> None:
    taken: set[str] = set()
    items = []
    for obs in map(redact_observation, evidence.observations.values()):
        name = file_name(obs.key, taken) if obs.output else None
        if name:
            _write_synced(os.path.join(staging, name), obs.output)
        items.append(obs.to_manifest(name))
    manifest = {"schema": SCHEMA, "meta": redact_structure(evidence.meta), "items": items}
    _write_synced(os.path.join(staging, MANIFEST), json.dumps(manifest, indent=1, sort_keys=True))
    fsync_directory(staging)


def _write_synced(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def read(directory: str, redact: bool = True) -> Evidence:
    """A snapshot is untrusted input: only its own regular files are read, each and all within limits.
    `redact=False` keeps what the files hold, for finding the secret values to take out elsewhere."""
    manifest = _load_manifest(directory)
    meta = manifest.get("meta")
    evidence = Evidence(meta=meta if isinstance(meta, dict) else {})
    budget = Budget(TOTAL_OUTPUT_LIMIT)
    for index, entry in enumerate(manifest["items"]):
        # Redacted again: a snapshot from elsewhere may not have been written by this redaction.
        obs = _observation(directory, entry, index, budget)
        evidence.add(redact_observation(obs) if redact else obs)
    return evidence


def from_document(raw: bytes, source: str) -> Evidence:
    """The evidence a fleet host's collector printed (one JSON document, outputs inline), checked
    as strictly as a snapshot on disk."""
    try:
        document = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise SnapshotError(f"{source} did not answer with the collector's JSON ({str(exc)[:120]})") from exc
    if not isinstance(document, dict) or document.get("schema") != DOCUMENT_SCHEMA:
        raise SnapshotError(f"{source} answered with something other than the collector's evidence")
    items = document.get("items")
    if not isinstance(items, list) or len(items) > ITEM_LIMIT:
        raise SnapshotError(f"{source} answered with a damaged list of items")
    meta = document.get("meta")
    evidence = Evidence(meta=meta if isinstance(meta, dict) else {})
    for index, entry in enumerate(items):
        fields = _manifest_fields(entry, index)
        output = entry.get("output", "")
        if not isinstance(output, str):
            raise SnapshotError(f"{source}: item {index} has a damaged output")
        if len(output) > OUTPUT_FILE_LIMIT:
            fields.update(status=TOO_LARGE, detail=f"output larger than {bounded.human_size(OUTPUT_FILE_LIMIT)}")
            output = ""
        evidence.add(redact_observation(Observation(output=output, **fields)))
    return evidence


def _load_manifest(directory: str) -> dict:
    path = os.path.join(directory, MANIFEST)
    if not os.path.isdir(directory):
        raise SnapshotError(f"{directory} is not a directory; give the directory `ascend-doctor collect -o` wrote")
    manifest = _parse_manifest(path, directory)
    if not isinstance(manifest, dict) or manifest.get("schema") != SCHEMA:
        found = manifest.get("schema") if isinstance(manifest, dict) else type(manifest).__name__
        raise SnapshotError(f"{path} has schema {str(found)[:80]!r}; this ascend-doctor reads {SCHEMA!r}")
    if not isinstance(manifest.get("items"), list):
        raise SnapshotError(f"{path} has no list of items; the snapshot is damaged")
    if len(manifest["items"]) > ITEM_LIMIT:
        raise SnapshotError(f"{path} lists {len(manifest['items'])} items; a snapshot has at most {ITEM_LIMIT}")
    return manifest


def _parse_manifest(path: str, directory: str) -> object:
    try:
        raw = bounded.read_file(path, MANIFEST_LIMIT, follow_links=False, allow_hard_links=False)
    except FileNotFoundError as exc:
        raise SnapshotError(f"{directory} has no {MANIFEST}; it is not a snapshot") from exc
    except bounded.ReadRefused as exc:
        raise SnapshotError(f"{exc}; a snapshot's manifest is a plain file of its own") from exc
    except bounded.TooLarge as exc:
        raise SnapshotError(f"{path} is {exc}; it is not a manifest this ascend-doctor wrote") from exc
    except OSError as exc:
        raise SnapshotError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
        raise SnapshotError(f"{path} is not valid JSON ({reason}); the snapshot is damaged") from exc


class Budget:
    """What is left of the bytes all of a snapshot's output files may take together."""

    def __init__(self, total: int) -> None:
        self.left = total

    def take(self, size: int) -> None:
        self.left -= size


def _observation(directory: str, entry: object, index: int, budget: Budget) -> Observation:
    fields = _manifest_fields(entry, index)
    name = entry.get("output_file")
    if name:
        status, output, detail = _read_output(directory, str(name), budget)
        if status != OK:
            fields.update(status=status, detail=detail)
        fields["output"] = output
    return Observation(**fields)


def _manifest_fields(entry: object, index: int) -> dict:
    if not isinstance(entry, dict) or not isinstance(entry.get("key"), str) or entry.get("status") not in STATUSES:
        raise SnapshotError(f"item {index} of {MANIFEST} is damaged (needs a key and a known status): "
                            f"{printable_line(repr(entry)[:200])}")
    kind = entry.get("kind", "command")
    argv = entry.get("argv") or []
    checks = {
        "kind": kind in ("command", "file", "json"),
        "stderr": isinstance(entry.get("stderr", ""), str),
        "detail": isinstance(entry.get("detail", ""), str),
        "exit_code": entry.get("exit_code") is None or type(entry.get("exit_code")) is int,
        "duration_s": _is_number(entry.get("duration_s", 0)),
        "started_at": _is_number(entry.get("started_at", 0)),
        "argv": isinstance(argv, list) and all(isinstance(a, str) for a in argv),
    }
    wrong = [name for name, ok in checks.items() if not ok]
    if wrong:
        raise SnapshotError(f"item {index} of {MANIFEST} ({printable_line(entry['key'][:80])}) has a damaged "
                            f"{', '.join(wrong)}")
    return {"key": entry["key"][:FIELD_LIMIT], "kind": kind, "status": entry["status"],
            "stderr": entry.get("stderr", "")[:FIELD_LIMIT], "detail": entry.get("detail", "")[:FIELD_LIMIT],
            "exit_code": entry.get("exit_code"), "duration_s": float(entry.get("duration_s", 0)),
            "started_at": float(entry.get("started_at", 0)), "argv": tuple(a[:FIELD_LIMIT] for a in argv[:256])}


def _is_number(value: object) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _read_output(directory: str, name: str, budget: Budget) -> tuple[str, str, str]:
    """(status, output, detail) of one output file; nothing outside the snapshot is read."""
    if name != os.path.basename(name) or name in (".", "..", MANIFEST):
        return REFUSED, "", f"{MANIFEST} names {printable_line(name[:120])!r}, which is not a file of the snapshot"
    path = os.path.join(directory, name)
    try:
        raw = bounded.read_file(path, max(min(OUTPUT_FILE_LIMIT, budget.left), 0), follow_links=False,
                                allow_hard_links=False)
    except bounded.ReadRefused as exc:
        return REFUSED, "", f"{exc} (a snapshot's files are plain files of its own)"
    except bounded.TooLarge as exc:
        budget.take(exc.limit)
        return TOO_LARGE, "", f"snapshot file {name} is {exc}, past what a snapshot may hold; not read"
    except OSError as exc:
        raise SnapshotError(f"{MANIFEST} names {name} but it cannot be read: {exc.strerror or exc}") from exc
    budget.take(len(raw))
    return OK, raw.decode("utf-8", errors="replace"), ""
