"""CANN -> Ascend HDK driver rows: Huawei's facts (cann_driver.json) made usable by the checks.

Two rules are applied here, so that the data file states their result:

* a CANN version some release or image uses but Huawei's notes do not cover gets an
  ``inferred`` row from the nearest older recorded CANN; an inferred row can only WARN;
* where Huawei's notes disagree (a newer CANN accepts an older driver than an older CANN's
  notes demand), the more permissive statement decides FAIL (``driver``) and the stricter
  one only warns (``warn_below``, with ``warn_source``).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from doctor.compat import ascend_version_key

FACTS = Path(__file__).with_name("cann_driver.json")


def load_facts(path: Path = FACTS) -> list[dict]:
    rows = json.loads(path.read_text(encoding="utf-8"))["rows"]
    for row in rows:
        ascend_version_key(row["cann"]), ascend_version_key(row["driver"])
        if not str(row.get("source", {}).get("url", "")).startswith("https://"):
            raise ValueError(f"CANN {row['cann']}: every Huawei fact needs its source URL")
    return sorted(rows, key=lambda r: ascend_version_key(r["cann"]))


def _permissive(rows: list[dict]) -> list[dict]:
    out = copy.deepcopy(rows)
    for i, row in enumerate(out):
        if row["kind"] != "minimum":
            continue
        newer = [r for r in rows[i + 1:] if r["kind"] == "minimum"
                 and ascend_version_key(r["driver"]) < ascend_version_key(row["driver"])]
        if not newer:
            continue
        lowest = min(newer, key=lambda r: ascend_version_key(r["driver"]))
        row["warn_below"], row["warn_source"] = row["driver"], row["source"]
        row["driver"], row["source"] = lowest["driver"], lowest["source"]
        row["note"] = (f"Huawei's notes disagree: CANN {row['cann']}'s notes ask for {row['warn_below']}, "
                       f"the newer CANN {lowest['cann']}'s accept {lowest['driver']}; below {lowest['driver']} "
                       f"fails, below {row['warn_below']} warns")
    return out


def _inferred(cann: str, recorded: list[dict]) -> dict | None:
    key = ascend_version_key(cann)
    older = [r for r in recorded if ascend_version_key(r["cann"]) < key]
    if not older:
        return None
    base = older[-1]
    driver = base.get("warn_below") or base["driver"]
    return {"cann": cann, "driver": driver, "kind": "inferred", "inferred_from": base["cann"],
            "note": f"no Huawei document on record names the driver for CANN {cann}; taken from CANN "
                    f"{base['cann']}, the nearest older release on record, so it can only warn",
            "source": base["source"]}


def driver_rows(cann_in_use: set[str], facts: list[dict] | None = None) -> list[dict]:
    """Every recorded row (with the disagreement rule applied) plus an inferred row per CANN in use."""
    recorded = _permissive(facts if facts is not None else load_facts())
    known = {ascend_version_key(r["cann"]) for r in recorded}
    missing = {ascend_version_key(c): c for c in cann_in_use if ascend_version_key(c) not in known}
    inferred = [row for row in (_inferred(c, recorded) for c in missing.values()) if row]
    return sorted(recorded + inferred, key=lambda r: ascend_version_key(r["cann"]))
