"""What the recorder keeps of an upstream file: only the lines the readers take facts from.

The fixtures are the facts of each release (base images, pins, version tables), not copies of
upstream's code and prose. Each dropped run of lines becomes one empty line, so tables and
release-note sections stay apart exactly as they were.
"""

from __future__ import annotations

import re

_TORCH = re.compile(r"torch", re.IGNORECASE)
_KEEP = {
    "dockerfile": re.compile(r"^\s*FROM\s|^\s*ARG\s+VLLM_TAG|torch[-_]npu|pta_install\.sh", re.IGNORECASE),
    "pta_install.sh": re.compile(r"torch_npu-", re.IGNORECASE),
    "requirements.txt": re.compile(r"^\s*torch", re.IGNORECASE),
    "pyproject.toml": _TORCH,
    "setup.py": re.compile(r"python_requires|Programming Language :: Python ::"),
    "installation.md": re.compile(r"^\s*-\s*Python:|^\s*\|\s*(CANN|torch)", re.IGNORECASE),
    "versioning_policy.md": re.compile(r"^\s*\|"),
    "release_notes.md": re.compile(r"^## v\d|by yourself|by hand|manually|installed by default", re.IGNORECASE),
}


def _rule(path: str) -> re.Pattern | None:
    name = path.rsplit("/", 1)[-1]
    return _KEEP["dockerfile"] if name.startswith("Dockerfile") else _KEEP.get(name)


def excerpt(path: str, text: str) -> str:
    """The lines of `text` the readers use, each dropped run of lines left as one empty line."""
    keep = _rule(path)
    if keep is None:
        raise ValueError(f"no excerpt rule for {path}; add one to tools/compat_gen/excerpts.py")
    lines, dropped = [], False
    for line in text.splitlines():
        if keep.search(line):
            lines.append(line)
            dropped = False
        elif not dropped:
            lines.append("")
            dropped = True
    return "\n".join(lines) + "\n"
