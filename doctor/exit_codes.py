"""The process exit codes, documented in the README."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0            # nothing failed
    FAILED = 1        # at least one check failed
    USAGE = 2         # bad arguments or unreadable input given by the user
    UNDECIDED = 3     # could not decide: a probe timed out, output unreadable
    INTERRUPTED = 130
