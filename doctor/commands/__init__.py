"""One module per command; each is a plain function (args, runtime) -> exit status.

Modules are imported only when their command runs, so start-up stays fast.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

COMMANDS = {
    "check": ("doctor.commands.check", "run"),
    "collect": ("doctor.commands.collect", "run"),
    "parse": ("doctor.commands.parse", "run"),
    "diagnose": ("doctor.commands.diagnose", "run"),
    "bundle": ("doctor.commands.bundle", "run"),
    "smoke": ("doctor.commands.smoke", "run"),
    "results": ("doctor.commands.results", "run"),
    "bench": ("doctor.commands.bench", "run"),
    "eval": ("doctor.commands.eval", "run"),
    "fleet": ("doctor.commands.fleet", "run"),
    "watch": ("doctor.commands.watch", "run"),
    "npd-status": ("doctor.commands.npd_status", "run"),
    "list-checks": ("doctor.commands.reference", "list_checks"),
    "list-recipes": ("doctor.commands.reference", "list_recipes"),
    "explain": ("doctor.commands.reference", "explain"),
}


def command(name: str) -> Callable:
    module, function = COMMANDS[name]
    return getattr(importlib.import_module(module), function)
