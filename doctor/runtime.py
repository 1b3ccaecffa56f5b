"""The outside world the CLI talks to, injected so tests run it in-process."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import IO

DEFAULT_WIDTH = 120


def _stream_or_devnull(stream: IO[str] | None, mode: str) -> IO[str]:
    """A closed standard stream (`>&-`) becomes /dev/null: the command still runs and exits as it would."""
    return stream if stream is not None else open(os.devnull, mode, encoding="utf-8")


@dataclass
class Runtime:
    stdout: IO[str] = field(default_factory=lambda: _stream_or_devnull(sys.stdout, "w"))
    stderr: IO[str] = field(default_factory=lambda: _stream_or_devnull(sys.stderr, "w"))
    stdin: IO[str] | None = field(default_factory=lambda: sys.stdin)   # None: closed
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    decided: int | None = None    # the exit status a command settled on before writing its output

    def decide(self, status: int) -> int:
        """Record the exit status before printing, so a reader that goes away (`| head`) cannot change it."""
        self.decided = int(status)
        return self.decided

    def console(self, stream: IO[str] | None = None):
        from rich.console import Console

        out = stream or self.stdout
        tty = isatty(out)
        # A terminal's own width unless COLUMNS names one; a pipe or file gets COLUMNS or 120.
        width = None if tty and "COLUMNS" not in self.environ else self.width()
        # rich reads NO_COLOR, TERM and FORCE_COLOR from the environment it is given: this runtime's.
        return Console(file=out, width=width, highlight=False, soft_wrap=False, force_terminal=tty,
                       _environ=self.environ)

    def width(self) -> int:
        text = self.environ.get("COLUMNS", "")
        if text.isascii() and text.isdigit() and len(text) < 5:
            return min(max(int(text), 40), 1000)
        return DEFAULT_WIDTH

    def log(self, message: str) -> None:
        from doctor.printable import printable

        print(f"ascend-doctor: {printable(message)}", file=self.stderr, flush=True)


def isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
