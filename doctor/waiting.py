"""Progress on a long wait, on stderr: a live line on a terminal, a plain line now and then otherwise.

Quiet for the first couple of seconds, so fast answers print nothing; the last state is always said.
"""

from __future__ import annotations

import time

from doctor.printable import printable_line

QUIET_S = 2.0          # a wait shorter than this prints nothing
PLAIN_EVERY_S = 10.0   # without a terminal, one line this often


class Waiting:
    def __init__(self, stream, live: bool, what: str, limit_s: float | None = None, clock=time.monotonic) -> None:
        self.stream, self.live, self.what, self.limit_s, self.clock = stream, live, what, limit_s, clock
        self.started = clock()
        self._said_at: float | None = None
        self._said_detail = ""
        self._width = 0

    def update(self, detail: str = "") -> None:
        """Called on every poll; says where the wait is when it is time to."""
        elapsed = self.clock() - self.started
        if elapsed < QUIET_S:
            return
        news = detail != self._said_detail
        if not self.live and self._said_at is not None and elapsed - self._said_at < PLAIN_EVERY_S and not news:
            return
        self._said_at, self._said_detail = elapsed, detail
        self._say(self._line(elapsed, detail))

    def finish(self, outcome: str) -> None:
        """Ends the live line with the outcome; says nothing if nothing was said."""
        if self._said_at is None:
            return
        self._say(f"{self.what}: {printable_line(outcome)} after {self.clock() - self.started:.0f} s", end=True)

    def _line(self, elapsed: float, detail: str) -> str:
        limit = f" of {self.limit_s:.0f} s" if self.limit_s else ""
        shown = f" ({printable_line(detail)[:120]})" if detail else ""
        return f"{self.what}: waiting {elapsed:.0f} s{limit}{shown}"

    def _say(self, line: str, end: bool = False) -> None:
        text = f"ascend-doctor: {line}"
        try:
            if self.live:
                pad = " " * max(0, self._width - len(text))
                self.stream.write(f"\r{text}{pad}" + ("\n" if end else ""))
                self._width = 0 if end else len(text)
            else:
                self.stream.write(text + "\n")
            self.stream.flush()
        except (OSError, ValueError):     # stderr gone: the wait goes on regardless
            pass
