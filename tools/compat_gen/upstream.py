"""Where the upstream files come from: a git clone of vllm-ascend, or the recorded fixtures.

Both give the same three things: the release tags (with commit and date), a file's text at a
tag, and the repository's public URL for citing it.  `Recorder` wraps a clone and keeps the
lines the readers use of every file read (tools/compat_gen/excerpts.py), so the tests can
replay the generator offline.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from tools.compat_gen.excerpts import excerpt

REPO_URL = "https://github.com/vllm-project/vllm-ascend"
SOURCES_NOTE = "SOURCES.json"


class UpstreamError(Exception):
    """The upstream files cannot be read (not a clone, a missing fixture, a malformed note)."""


@dataclass(frozen=True)
class Tag:
    name: str
    commit: str
    date: str          # the tagged commit's date, YYYY-MM-DD

    @property
    def version(self) -> Version:
        return Version(self.name[1:])


def release_version(name: str) -> Version | None:
    """The version of a release tag ("v0.11.0rc1"); None for anything else."""
    if not name.startswith("v"):
        return None
    try:
        version = Version(name[1:])
    except InvalidVersion:
        return None
    return None if version.is_devrelease or version.local else version


class GitClone:
    """A local clone (or bare mirror) of vllm-ascend."""

    def __init__(self, git_dir: str | Path):
        self.git_dir = str(git_dir)
        self._git("rev-parse", "--git-dir")

    def _git(self, *args: str) -> str:
        try:
            done = subprocess.run(["git", "-C", self.git_dir, *args], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise UpstreamError(f"cannot run git on {self.git_dir}: {exc}") from None
        if done.returncode != 0:
            raise UpstreamError(f"git {' '.join(args)} failed in {self.git_dir}: {done.stderr.strip()[:300]}")
        return done.stdout

    def tags(self) -> list[Tag]:
        listing = self._git("for-each-ref", "--format=%(refname:short) %(*objectname) %(objectname) "
                            "%(*committerdate:short) %(committerdate:short)", "refs/tags")
        tags = []
        for line in listing.splitlines():
            name, *rest = line.split()
            if release_version(name) is None:
                continue
            # An annotated tag names its commit with the *-fields, a lightweight one with the plain ones.
            commit, date = (rest[0], rest[2]) if len(rest) == 4 else (rest[0], rest[1])
            tags.append(Tag(name, commit, date))
        return sorted(tags, key=lambda t: t.version)

    def read(self, tag: Tag, path: str) -> str | None:
        try:
            return self._git("show", f"{tag.commit}:{path}")
        except UpstreamError:
            return None


class Fixtures:
    """Files recorded by `Recorder`: <root>/<tag>/<path>, described by <root>/SOURCES.json."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        try:
            note = json.loads((self.root / SOURCES_NOTE).read_text(encoding="utf-8"))
            self._tags = [Tag(name, entry["commit"], entry["date"]) for name, entry in note["tags"].items()]
            self._files = {name: set(entry["files"]) for name, entry in note["tags"].items()}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UpstreamError(f"{self.root / SOURCES_NOTE} is missing or malformed: {exc}") from None

    def tags(self) -> list[Tag]:
        return sorted(self._tags, key=lambda t: t.version)

    def read(self, tag: Tag, path: str) -> str | None:
        if path not in self._files.get(tag.name, ()):
            return None
        try:
            return (self.root / tag.name / path).read_text(encoding="utf-8")
        except OSError as exc:
            raise UpstreamError(f"recorded file {tag.name}/{path} is unreadable: {exc}") from None


class Recorder:
    """Reads through another source and copies every file it returns under `root`."""

    def __init__(self, source, root: str | Path):
        self.source, self.root = source, Path(root)
        self._read: dict[str, set[str]] = {}
        self._tags = source.tags()

    def tags(self) -> list[Tag]:
        return list(self._tags)

    def read(self, tag: Tag, path: str) -> str | None:
        text = self.source.read(tag, path)
        if text is not None:
            text = excerpt(path, text)       # the generator sees what the fixtures will hold
            target = self.root / tag.name / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            self._read.setdefault(tag.name, set()).add(path)
        return text

    def write_note(self) -> None:
        note = {"repo": REPO_URL,
                "note": "Excerpts of vllm-ascend files as tools/compat_gen read them: <tag>/<path> holds the lines of the file at that tag that the generator takes facts from (tools/compat_gen/excerpts.py).",
                "tags": {t.name: {"commit": t.commit, "date": t.date, "files": sorted(self._read.get(t.name, ()))}
                         for t in self._tags}}
        (self.root / SOURCES_NOTE).write_text(json.dumps(note, indent=1, sort_keys=True) + "\n", encoding="utf-8")
