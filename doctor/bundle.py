"""A support bundle: one tar.gz holding a host's snapshot, its check report, the diagnosis of logs and
the logs, with every secret found in any of them taken out of all of them."""

from __future__ import annotations

import io
import os
import re
import tarfile
import tempfile
import time
from dataclasses import dataclass

from doctor import snapshot
from doctor.evidence import Evidence
from doctor.redact import redact_json, redact_text, redact_values, secret_values

TOP = "ascend-doctor-bundle"      # every member is under it: unpacking never litters the directory
SNAPSHOT_DIR = "snapshot"
CHECK_FILE = "check.json"
DIAGNOSIS_FILE = "diagnosis.json"
LOGS_DIR = "logs"


class BundleError(Exception):
    """A bundle that cannot be written; the message says why."""


@dataclass(frozen=True)
class Member:
    name: str
    text: str

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8")


def check_output(path: str, force: bool) -> None:
    """Refuse a path the bundle cannot go to, before anything is collected."""
    target = os.path.abspath(path)
    parent = os.path.dirname(target)
    if os.path.isdir(target):
        raise BundleError(f"{path} is a directory; give the file to write, e.g. {os.path.join(path, 'bundle.tar.gz')}")
    if os.path.lexists(target) and not force:
        raise BundleError(f"{path} exists; choose another name, or pass --force to replace it")
    if not os.path.isdir(parent):
        raise BundleError(f"{parent} is not a directory; create it or write the bundle elsewhere")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise BundleError(f"cannot write in {parent}; write the bundle elsewhere")


def snapshot_members(evidence: Evidence) -> tuple[list[Member], Evidence]:
    """The snapshot as `collect` writes it (redacted), and the evidence read back from it as
    `check --snapshot` reads it."""
    with tempfile.TemporaryDirectory(prefix="ascend-doctor-bundle-") as scratch:
        directory = snapshot.write(evidence, os.path.join(scratch, SNAPSHOT_DIR))
        members = []
        for name in sorted(os.listdir(directory)):
            with open(os.path.join(directory, name), encoding="utf-8", errors="replace") as handle:
                members.append(Member(f"{SNAPSHOT_DIR}/{name}", handle.read()))
        return members, snapshot.read(directory)


def log_members(names: list[str], texts: list[str]) -> list[Member]:
    taken: set[str] = set()
    return [Member(f"{LOGS_DIR}/{_log_name(name, taken)}", text) for name, text in zip(names, texts)]


def _log_name(name: str, taken: set[str]) -> str:
    base = "stdin.txt" if name == "-" else re.sub(r"[^A-Za-z0-9._-]+", "_", os.path.basename(name)).strip("._")
    base, n = base[:120] or "log.txt", 1
    shown = base
    while shown in taken:
        n += 1
        shown = f"{n}-{base}"
    taken.add(shown)
    return shown


def secrets_in(evidence: Evidence, texts: list[str]) -> set[str]:
    """The secret values of the unredacted evidence and logs."""
    found: set[str] = set()
    for obs in evidence.observations.values():
        for text in (obs.output, obs.stderr, obs.detail, " ".join(obs.argv)):
            found |= secret_values(text)
    for text in texts:
        found |= secret_values(text)
    return found


def scrubbed(members: list[Member], values: set[str]) -> list[Member]:
    """Each member redacted by the rules (JSON as JSON), then of every value found anywhere."""
    out = []
    for member in members:
        text = redact_json(member.text) if member.name.endswith(".json") else redact_text(member.text)
        out.append(Member(member.name, redact_values(text, values)))
    return out


def listing(members: list[Member]) -> str:
    width = max((len(m.name) for m in members), default=0)
    total = sum(len(m.data) for m in members)
    rows = [f"  {TOP}/{m.name:<{width}}  {_size(len(m.data)):>10}" for m in members]
    return "\n".join(rows + [f"  {len(members)} files, {_size(total)} before compression"])


def _size(n: int) -> str:
    return f"{n} B" if n < 1024 else f"{n / 1024:.1f} KiB" if n < 1 << 20 else f"{n / (1 << 20):.1f} MiB"


def write(path: str, members: list[Member], force: bool) -> str:
    """Written beside the target and moved in whole; without `force` an existing file is never replaced."""
    target = os.path.abspath(path)
    try:
        handle, staging = tempfile.mkstemp(prefix=".bundle-", suffix=".tar.gz", dir=os.path.dirname(target))
    except OSError as exc:
        raise BundleError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(handle, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            for member in members:
                _add(tar, member)
        _move_in(staging, target, force)
    except FileExistsError:
        raise BundleError(f"{path} appeared while the bundle was being written; nothing was replaced") from None
    except OSError as exc:
        raise BundleError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        if os.path.lexists(staging):
            os.unlink(staging)
    return target


def _add(tar: tarfile.TarFile, member: Member) -> None:
    info = tarfile.TarInfo(f"{TOP}/{member.name}")
    data = member.data
    info.size, info.mode, info.mtime = len(data), 0o600, int(time.time())
    tar.addfile(info, io.BytesIO(data))


def _move_in(staging: str, target: str, force: bool) -> None:
    if force:
        os.replace(staging, target)
    else:
        os.link(staging, target)      # fails, unlike a rename, when the target exists
