"""The collector's entry on a fleet host: probe this host and print the evidence as one JSON document.

It runs on the host's own python3 (3.7 or later) with nothing installed: the controller sends
this package's probe modules over the SSH session (doctor/fleet/bundle.py) and reads stdout.
"""

from __future__ import annotations

import json
import os
import sys
import time

from doctor.evidence import DOCUMENT_SCHEMA
from doctor.probes.plan import Options, collect, collect_pings


def main(settings: dict) -> int:
    devices = settings.get("devices")
    options = Options(root=str(settings.get("root") or "/"), devices=tuple(devices) if devices is not None else None,
                      timeout=float(settings.get("timeout", 10.0)), python=settings.get("python"),
                      env=dict(os.environ), image=settings.get("image"), tls=True,
                      npu_pings=tuple((int(d), str(a)) for d, a in settings.get("npu_pings") or ()),
                      host_pings=tuple(str(a) for a in settings.get("host_pings") or ()))
    evidence = collect(options) if not settings.get("pings_only") else collect_pings(options)
    evidence.meta.update(finished_at=time.time(), collector_python=sys.version.split()[0],
                         user=_user())
    items = []
    for obs in evidence.observations.values():
        entry = obs.to_manifest(None)
        entry["output"] = obs.output
        items.append(entry)
    json.dump({"schema": DOCUMENT_SCHEMA, "meta": evidence.meta, "items": items}, sys.stdout)
    sys.stdout.flush()
    return 0


def _user() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return str(os.geteuid())
