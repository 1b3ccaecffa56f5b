"""Container image references, read the way docker reads them.

The grammar is the distribution project's (github.com/distribution/reference)::

    reference  := name [":" tag] ["@" digest]
    name       := [registry "/"] path-component ["/" path-component]*
    registry   := host [":" port]
    path-component := [a-z0-9]+ (separator [a-z0-9]+)*      separator := "." | "_" | "__" | "-"+
    tag        := [\\w][\\w.-]{0,127}
    digest     := "sha256:" 64 lowercase hex digits          (the only algorithm images use)

The first component is a registry only when it holds a '.' or a ':' or is `localhost`
(`ubuntu/x` is Docker Hub's ubuntu/x, `registry:5000/x` a registry on port 5000), and a ':'
is a tag only after the last '/' (`registry:5000/repo` has no tag). Docker Hub's implied
`docker.io/library/` is not added: `name` stays as written, which is what docker prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

MAX_NAME = 255                      # the distribution grammar's limit on registry/path
MAX_TAG = 128
MAX_REFERENCE = MAX_NAME + 1 + MAX_TAG + len("@sha256:") + 64

_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_TAG = re.compile(r"[\w][\w.-]*", re.ASCII)
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_DOMAIN_LABEL = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?")
_REGISTRY = re.compile(r"(?P<host>\[[0-9a-fA-F:.]+\]|[^:\[\]]+)(?::(?P<port>[^:]*))?")
_ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/:@[]")


class ImageRefError(ValueError):
    """An image reference docker would refuse or read differently; the message says what is wrong."""


@dataclass(frozen=True)
class ImageRef:
    registry: str | None            # "quay.io", "127.0.0.1:5000", "localhost"; None: Docker Hub
    repository: str                 # "ascend/vllm-ascend"
    tag: str | None = None
    digest: str | None = None       # "sha256:<64 hex>"

    @property
    def name(self) -> str:
        """registry/repository as written, without tag or digest."""
        return f"{self.registry}/{self.repository}" if self.registry else self.repository

    @property
    def tagged(self) -> str | None:
        """name:tag, or None without a tag."""
        return f"{self.name}:{self.tag}" if self.tag else None

    @property
    def pinned(self) -> str | None:
        """name@digest, or None without a digest."""
        return f"{self.name}@{self.digest}" if self.digest else None

    @property
    def run_ref(self) -> str:
        """What `docker run` and `docker pull` take: the digest when pinned (so a pin is enforced,
        not only checked), else the tag. A reference with neither would mean `:latest`,
        whatever that is on the day, so it is refused."""
        ref = self.pinned or self.tagged
        if ref is None:
            raise ImageRefError(f"{str(self)!r} has no tag or digest")
        return ref

    def with_digest(self, digest: str) -> ImageRef:
        return replace(self, digest=check_digest(digest))

    def __str__(self) -> str:
        return self.name + (f":{self.tag}" if self.tag else "") + (f"@{self.digest}" if self.digest else "")


def check_digest(text: object) -> str:
    """The digest itself when it is `sha256:` and 64 lowercase hex digits."""
    if not isinstance(text, str) or not _DIGEST.fullmatch(text):
        shown = _shown(text) if isinstance(text, str) else repr(text)
        raise ImageRefError(f"{shown}: digest must be sha256: and 64 hex digits (lowercase)")
    return text


def parse(text: object) -> ImageRef:
    """An ImageRef, or ImageRefError naming the first thing wrong with `text`."""
    text = _checked_text(text)
    rest, at, digest = text.partition("@")
    if at and not _DIGEST.fullmatch(digest):
        problem = "more than one '@'" if "@" in digest else "digest must be sha256: and 64 hex digits (lowercase)"
        raise ImageRefError(f"{_shown(text)}: {problem}")
    name, tag = _split_tag(text, rest)
    registry, repository = _split_registry(name)
    if registry is not None:
        _check_registry(text, registry)
    _check_repository(text, repository)
    if len(name) > MAX_NAME:
        raise ImageRefError(f"{_shown(text)}: the name is {len(name)} characters, more than {MAX_NAME}")
    return ImageRef(registry=registry, repository=repository, tag=tag, digest=digest if at else None)


def _shown(text: str) -> str:
    """The reference quoted for a message, cut short: a hostile one may be long."""
    return repr(text if len(text) <= 80 else text[:72] + "...")


def _checked_text(text: object) -> str:
    if not isinstance(text, str):
        raise ImageRefError(f"an image reference must be a string, not {type(text).__name__}")
    if not text:
        raise ImageRefError("the image reference is empty")
    if len(text) > MAX_REFERENCE:
        raise ImageRefError(f"{_shown(text)} is {len(text)} characters, longer than any valid reference")
    if "://" in text:
        raise ImageRefError(f"{_shown(text)} is a URL; give the reference without a scheme, "
                            "e.g. quay.io/ascend/vllm-ascend:v0.11.0rc0")
    odd = sorted({c for c in text if c not in _ALLOWED}, key=text.index)
    if odd:
        kinds = "whitespace" if any(c.isspace() for c in odd) else "characters"
        raise ImageRefError(f"{_shown(text)} contains {kinds} {' '.join(repr(c) for c in odd)}, "
                            "which no image reference holds")
    if text.startswith("-"):
        raise ImageRefError(f"{_shown(text)} starts with '-', which docker would read as an option")
    return text


def _split_tag(text: str, rest: str) -> tuple[str, str | None]:
    name, colon, tag = rest.rpartition(":")
    if not colon or "/" in tag:
        return rest, None
    if not tag:
        raise ImageRefError(f"{_shown(text)}: empty tag after ':'")
    if len(tag) > MAX_TAG:
        raise ImageRefError(f"{_shown(text)}: the tag is {len(tag)} characters, more than {MAX_TAG}")
    if not _TAG.fullmatch(tag):
        raise ImageRefError(f"{_shown(text)}: tag {tag!r} must be letters, digits, '_', '.', '-' and start "
                            "with a letter, digit or '_'")
    return name, tag


def _split_registry(name: str) -> tuple[str | None, str]:
    first, slash, remainder = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return first, remainder
    return None, name


def _check_registry(text: str, registry: str) -> None:
    parts = _REGISTRY.fullmatch(registry)
    if parts is None:
        raise ImageRefError(f"{_shown(text)}: registry {registry!r} is not host[:port]")
    host, port = parts["host"], parts["port"]
    if not host.startswith("[") and not all(_DOMAIN_LABEL.fullmatch(label) for label in host.split(".")):
        raise ImageRefError(f"{_shown(text)}: registry host {host!r} is not a host name or address")
    if port is not None and not port.isdigit():
        raise ImageRefError(f"{_shown(text)}: registry port {port!r} is not a number")
    if port is not None and not 1 <= int(port) <= 65535:
        raise ImageRefError(f"{_shown(text)}: port {int(port)} is not a TCP port (1-65535)")


def _check_repository(text: str, repository: str) -> None:
    if not repository:
        raise ImageRefError(f"{_shown(text)}: no repository")
    for component in repository.split("/"):
        if not component:
            raise ImageRefError(f"{_shown(text)}: empty path component in {repository!r}")
        if _COMPONENT.fullmatch(component):
            continue
        if _COMPONENT.fullmatch(component.lower()):
            raise ImageRefError(f"{_shown(text)}: uppercase in repository {repository!r}; "
                                "docker takes only lowercase")
        if ":" in component or "@" in component or "[" in component or "]" in component:
            raise ImageRefError(f"{_shown(text)}: {component!r} is not a path component (a ':' belongs to a "
                                "registry's port or to the tag after the last '/')")
        raise ImageRefError(f"{_shown(text)}: path component {component!r} must be lowercase letters and "
                            "digits joined by '.', '_', '__' or '-'")
