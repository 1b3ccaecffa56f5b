"""Pasted bytes to clean text: encoding guessed (UTF-8, UTF-16 with a BOM, GBK), binary refused,
terminal escape sequences, carriage returns and HTML wrappers of an issue body taken out."""

from __future__ import annotations

import re

from doctor.bounded import human_size

LIMIT = 16 * 1024 * 1024         # a long serving log is a few MiB; more is not a paste

_MAGIC = {b"\x1f\x8b": "a gzip archive", b"\x7fELF": "an executable (ELF)", b"PK\x03\x04": "a zip archive",
          b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"%PDF": "a PDF document",
          b"BZh": "a bzip2 archive", b"\xfd7zXZ": "an xz archive"}
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
# CSI (colours, cursor moves), OSC (window titles, links), then any other two-byte escape.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HTML_TAGS = re.compile(r"</?(?:details|summary|pre|code|br)\b[^>\n]*>", re.I)
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'"), ("&amp;", "&"))


class PasteError(ValueError):
    """Input that is not text a person pasted; the message says what it is instead."""


def decode_paste(raw: bytes, name: str = "the input") -> tuple[str, str]:
    """(clean text, the encoding it was read in). PasteError for binary input."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return clean(raw[len(bom):].decode(encoding, errors="replace")), encoding
    _refuse_binary(raw, name)
    try:
        return clean(raw.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        # Logs written on Chinese-locale Windows or by CANN tools under LANG=zh_CN.GBK.
        return clean(raw.decode("gb18030")), "gbk"
    except UnicodeDecodeError:
        return clean(raw.decode("utf-8", errors="replace")), "utf-8 (with undecodable bytes replaced)"


def _refuse_binary(raw: bytes, name: str) -> None:
    for magic, what in _MAGIC.items():
        if raw.startswith(magic):
            raise PasteError(f"{name} is {what}, not text: unpack it and pass the log or report inside")
    head = raw[:65536]
    if head.count(b"\x00") > len(head) // 100 + 1:
        raise PasteError(f"{name} is binary (it holds NUL bytes), not a log or a pasted report")


def clean(text: str) -> str:
    """Line endings made \\n, escape sequences and stray control characters dropped, HTML wrappers
    (`<details>`, `<summary>`) and entities of a GitHub issue body undone."""
    if "\x1b" in text:
        text = _ESCAPES.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub("", text)
    if "<" in text:
        text = _HTML_TAGS.sub("", text)
    if "&" in text:
        for entity, char in _ENTITIES:
            text = text.replace(entity, char)
    return text


def too_large(name: str) -> str:
    return (f"{name} has more than {human_size(LIMIT)}; diagnose reads pastes and logs up to that size: "
            "pass the part around the first error (e.g. `grep -n -B50 -A50 -m1 ERROR LOG`)")
