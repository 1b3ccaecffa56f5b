"""The results folder: its default name, the refusal to overwrite an earlier run, atomic writes."""

from __future__ import annotations

import os
import re
import tempfile
from datetime import datetime

from doctor.errors import UsageError
from doctor.printable import shortened

DOCUMENT = "bench.json"
CHART = "bench.png"


def default_out_dir(model: str, now: datetime) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", model).strip("._") or "model"
    return os.path.join("ascend-doctor-results", safe[:100], now.strftime("%Y%m%dT%H%M%SZ"))


def refuse_earlier_run(out_dir: str, force: bool) -> None:
    """UsageError when out_dir holds the bench.json of an earlier run, unless force."""
    if os.path.exists(os.path.join(out_dir, DOCUMENT)) and not force:
        raise UsageError(f"{shortened(out_dir)} already holds a {DOCUMENT}; choose another --out or give --force")


def create(out_dir: str) -> None:
    """Create out_dir; UsageError when it cannot be made."""
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create {shortened(out_dir)}: {exc.strerror or exc}") from None
    if not os.path.isdir(out_dir):
        raise UsageError(f"{shortened(out_dir)} is not a directory")


def level_name(concurrency: int | None, suffix: str) -> str:
    return f"vllm-bench-c{concurrency if concurrency is not None else 'x'}.{suffix}"


def write_atomic(path: str, data: bytes) -> None:
    """Readers see the old file or the whole new one, never a part."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)      # mkstemp makes it 0600; results are for everyone who may read DIR
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
