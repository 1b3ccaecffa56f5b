"""Is lm_eval installed in the Python that will run it? Asked of that Python, within a bound."""

from __future__ import annotations

import subprocess

from doctor.accuracy.failures import PIP_LINE
from doctor.errors import UsageError
from doctor.printable import shortened

PROBE_TIMEOUT_S = 60.0
# Finding the package is enough (importing it loads far more than this check needs).
_PROBE = ("import importlib.util, importlib.metadata as m\n"
          "print(m.version('lm_eval') if importlib.util.find_spec('lm_eval') else '')")


def installed_version(python: str) -> str:
    """lm_eval's version in `python`; a UsageError naming the pip line when it has none."""
    try:
        done = subprocess.run([python, "-c", _PROBE], capture_output=True, text=True, timeout=PROBE_TIMEOUT_S,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(f"cannot run {shortened(python)} to look for lm_eval ({exc}); {PIP_LINE}") from None
    version = done.stdout.strip() if done.returncode == 0 else ""
    if not version:
        raise UsageError(f"lm_eval is not installed in {shortened(python)}: {PIP_LINE}")
    return version
