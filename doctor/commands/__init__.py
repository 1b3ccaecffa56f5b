"""One module per command; each is a plain function (args, runtime) -> exit status."""

from __future__ import annotations

from doctor.commands import catalog, check, collect, parse

DISPATCH = {
    "check": check.run,
    "collect": collect.run,
    "parse": parse.run,
    "list-checks": catalog.list_checks,
    "explain": catalog.explain,
}
