"""`ascend-doctor npd-status`: a node-problem-detector custom plugin answering from the cached report.

NPD's contract (kubernetes/node-problem-detector, pkg/custompluginmonitor/plugin/plugin.go and
types/types.go): exit 0 is OK, 1 NonOK, anything else Unknown; stdout, trimmed and cut at
`max_output_length` bytes (80 by default, types/config.go), becomes the condition's message.
It runs every `invoke_interval` within `timeout`, so it never probes: it reads the report
`ascend-doctor watch` keeps, and imports nothing heavy (no rich, no probes, no checks).
"""

from __future__ import annotations

import json
import os
import time

from doctor.runtime import Runtime

OK, NON_OK, UNKNOWN = 0, 1, 2
MESSAGE_BYTES = 80
CACHE_LIMIT = 16 * 1024 * 1024
REPORT_SCHEMA = "ascend-doctor-report/1"      # doctor/report.py's SCHEMA; not imported, to stay light
# Each node condition and the checks that raise it (docs/monitoring.md lists them).
CONDITIONS = {
    "chip-unhealthy": ("DEV004",),
    "devices-missing": ("DEV001", "DEV002"),
    "driver-mismatch": ("DRV002",),
    "shm-too-small": ("ENV006",),
    "any-failure": (),          # every check
}


class Unknown(Exception):
    """The cache cannot say: missing, stale, damaged. The message is the condition's."""


def run(args, runtime: Runtime) -> int:
    try:
        report = read_cache(args.cache, args.max_age, time.time())
        status, message = verdict(report.get("findings"), CONDITIONS[args.condition])
    except Unknown as exc:
        status, message = UNKNOWN, str(exc)
    print(one_line(message), file=runtime.stdout)
    return status


def read_cache(path: str, max_age: float, now: float) -> dict:
    from doctor import bounded

    try:
        age = now - os.stat(path).st_mtime
        raw = bounded.read_file(path, CACHE_LIMIT)
    except FileNotFoundError:
        raise Unknown(f"no cached report at {path}; is ascend-doctor watch running?") from None
    except (OSError, bounded.ReadRefused, bounded.TooLarge) as exc:
        raise Unknown(f"cached report unreadable: {exc}") from None
    if age > max_age:
        raise Unknown(f"cached report is {age:.0f} s old (limit {max_age:g} s)")
    try:
        report = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Unknown("cached report is not JSON") from None
    if not isinstance(report, dict) or report.get("schema") != REPORT_SCHEMA:
        raise Unknown(f"cached file is not an {REPORT_SCHEMA}")
    return report


def verdict(findings, codes: tuple[str, ...]) -> tuple[int, str]:
    if not isinstance(findings, list) or not all(isinstance(f, dict) for f in findings):
        raise Unknown("cached report has no list of findings")
    chosen = [f for f in findings if not codes or f.get("code") in codes]
    for status, exit_code in (("FAIL", NON_OK), ("ERROR", UNKNOWN)):
        hit = next((f for f in chosen if f.get("status") == status), None)
        if hit is not None:
            return exit_code, f"{hit.get('code')} {status}: {hit.get('summary')}"
    if codes and not chosen:
        raise Unknown(f"cached report has no {'/'.join(codes)} result")
    shown = "/".join(codes) or f"{len(chosen)} checks"
    if chosen and all(f.get("status") == "SKIP" for f in chosen):
        return OK, f"{shown} skipped: {chosen[0].get('summary')}"
    return OK, f"{shown} ok"


def one_line(text: str) -> str:
    """Printable, one line, at most MESSAGE_BYTES bytes of UTF-8 (NPD cuts bytes, maybe mid-character)."""
    flat = "".join(c if c.isprintable() else " " for c in str(text)).strip()
    data = flat.encode("utf-8", "replace")[:MESSAGE_BYTES]
    return data.decode("utf-8", "ignore").rstrip()
