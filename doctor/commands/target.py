"""Turning the target arguments (--root, --devices, --python, --timeout) into probe options."""

from __future__ import annotations

import os

from doctor.errors import UsageError
from doctor.probes.plan import Options
from doctor.runtime import Runtime


def probe_options(args, runtime: Runtime) -> Options:
    if not os.path.isdir(args.root):
        raise UsageError(f"--root {args.root} is not a directory")
    return Options(root=args.root, devices=args.devices, timeout=args.timeout, python=args.python,
                   env=dict(runtime.environ))
