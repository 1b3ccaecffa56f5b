"""The outside world the CLI talks to, injected so tests run it in-process."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import IO


@dataclass
class Runtime:
    stdout: IO[str] = field(default_factory=lambda: sys.stdout)
    stderr: IO[str] = field(default_factory=lambda: sys.stderr)
    stdin: IO[str] = field(default_factory=lambda: sys.stdin)
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))

    def console(self, stream: IO[str] | None = None):
        from rich.console import Console

        out = stream or self.stdout
        width = None if out.isatty() else int(self.environ.get("COLUMNS", "120") or 120)
        return Console(file=out, width=width, highlight=False, soft_wrap=False)

    def log(self, message: str) -> None:
        print(f"ascend-doctor: {message}", file=self.stderr, flush=True)
