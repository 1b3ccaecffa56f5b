"""Progress while hosts answer: a live bar on a terminal (done/total, failures so far), else quiet."""

from __future__ import annotations

import time


class Progress:
    def __init__(self, stream, live: bool, started: float | None = None) -> None:
        self.stream, self.live = stream, live
        self.started = started or time.monotonic()
        self.total = self.done = self.failed = 0
        self.what = ""
        self._bar = None
        self._task = None

    def start(self, total: int, what: str) -> None:
        self.total, self.done, self.failed, self.what = total, 0, 0, what
        if self.live and total:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, TimeElapsedColumn

            self._bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[failed]} unreachable"), TimeElapsedColumn(),
                            console=Console(file=self.stream), transient=True)
            self._task = self._bar.add_task(what, total=total, failed=0)
            self._bar.start()

    def advance(self, result) -> None:
        self.done += 1
        self.failed += 0 if result.reachable else 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1, failed=self.failed)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        if self.total:
            print(f"ascend-doctor: {self.what}: {self.done - self.failed} of {self.total} host(s) answered "
                  f"in {time.monotonic() - self.started:.1f} s", file=self.stream, flush=True)
