"""A background thread that samples something at a fixed interval while a `with` block runs."""

from __future__ import annotations

import threading


class Sampler:
    """Calls ``sample()`` every ``interval_s`` seconds from entering the block until leaving it."""

    interval_s = 0.02

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)
