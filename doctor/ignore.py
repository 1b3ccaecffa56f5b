"""--ignore: the checks whose failures are accepted, and what their findings become.

`all` accepts every check, as kubeadm's --ignore-preflight-errors=all does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

EVERY_CHECK = "all"

F = TypeVar("F")      # a Finding or a FleetFinding: anything with `code` and `ignore()`


class Ignore:
    def __init__(self, codes: Iterable[str] = ()) -> None:
        self.codes = frozenset(c.strip().upper() for c in codes if c.strip())

    @property
    def everything(self) -> bool:
        return EVERY_CHECK.upper() in self.codes

    def covers(self, code: str) -> bool:
        return self.everything or code.upper() in self.codes

    def apply(self, finding: F) -> F:
        """The finding as reported: a covered check's FAIL or ERROR becomes a WARN that says what it was."""
        return finding.ignore() if self.covers(finding.code) else finding
