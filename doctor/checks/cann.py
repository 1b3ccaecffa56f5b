"""CANN: the toolkit is installed, its environment is sourced, and it fits the driver."""

from __future__ import annotations

import os

from doctor import compat
from doctor.cann_install import cann_version, installs
from doctor.checks.base import Check, failed, passed, reads, skipped, warned
from doctor.evidence_keys import ASCEND_FILES, DRIVER_INFO, ENV, PATHS, file_key
from doctor.facts import Facts
from doctor.model import Intent
from doctor.stack import driver_version


def check_toolkit(facts: Facts, intent: Intent):
    found = installs(facts)
    if not found:
        if intent.image:
            return skipped("no CANN on this host; it comes inside the image " + intent.image)
        return failed("no CANN toolkit found (ascend-toolkit/latest, cann-<version> or nnae)",
                      "looked for */ascend_toolkit_install.info and version.cfg under /usr/local/Ascend",
                      "Install the CANN toolkit and kernels packages, or run vLLM in the vllm-ascend image "
                      "(it carries CANN).")
    listing = "\n".join(f"{i.home}: {i.version or 'version unreadable'} ({i.source})" for i in found)
    unreadable = [i for i in found if not i.version]
    if len(unreadable) == len(found):
        return failed("CANN is installed but no version file could be read", listing,
                      "Reinstall the toolkit; its install info is damaged.")
    version, _ = cann_version(facts)
    return passed(f"CANN {version}", listing)


def check_set_env(facts: Facts, intent: Intent):
    found = installs(facts)
    if not found:
        return skipped("no CANN toolkit on this host (see CANN001)")
    paths = facts.paths()
    scripts = [p for p, d in paths.items() if p.endswith("/set_env.sh") and d.get("exists")]
    env = facts.env()
    home = env.get("ASCEND_TOOLKIT_HOME") or env.get("ASCEND_HOME_PATH")
    evidence = f"set_env.sh: {', '.join(scripts) or 'none'}; ASCEND_TOOLKIT_HOME={home or '(unset)'}"
    if not scripts:
        return failed("CANN has no set_env.sh", evidence, "Reinstall the CANN toolkit.")
    if not home:
        return warned("CANN's environment is not loaded in this shell", evidence,
                      f"`source {scripts[0]}` in the shell or service that starts vLLM")
    if not os.path.isabs(home):
        return warned(f"ASCEND_TOOLKIT_HOME is not an absolute path: {home}", evidence)
    return passed(f"CANN environment loaded from {home}", evidence)


def check_cann_driver(facts: Facts, intent: Intent):
    cann, source = cann_version(facts)
    if not cann:
        return skipped("no CANN version on this host (see CANN001)")
    driver = driver_version(facts)
    if not driver:
        return skipped("driver version unknown (see DRV001)")
    entry = compat.min_driver_entry(cann)
    evidence = f"CANN {cann} ({source}); driver {driver}"
    if not entry:
        return skipped(f"no recorded minimum driver for CANN {cann}", evidence)
    minimum = entry["driver"]
    evidence += f"; CANN {entry['cann']} -> driver {minimum} ({entry['kind']}, source: {_url(entry)})"
    try:
        older = compat.compare_ascend_versions(driver, minimum) < 0
    except ValueError:
        return skipped(f"cannot compare driver version {driver!r} with {minimum}", evidence)
    if not older:
        return _stricter_note(driver, cann, entry, evidence)
    fix = (f"Upgrade the driver and firmware to {minimum} or newer (Ascend HDK), or use a CANN release "
           "that supports this driver.")
    # Only release notes that state a minimum justify a FAIL; a pairing from install guides is advice,
    # and a row inferred from another CANN release is a guess.
    if entry["kind"] == "minimum" and not entry.get("inferred_from"):
        return failed(f"driver {driver} is older than CANN {cann} needs ({minimum} or newer)", evidence, fix)
    if entry["kind"] == "inferred" or entry.get("inferred_from"):
        return warned(f"driver {driver} is older than the {minimum} taken for CANN {cann} from CANN "
                      f"{entry.get('inferred_from') or entry['cann']} (no Huawei note on record for it)",
                      evidence, fix)
    return warned(f"driver {driver} is older than the {minimum} that CANN {entry['cann']} is released with",
                  evidence, fix)


def _stricter_note(driver: str, cann: str, entry: dict, evidence: str):
    """Past the permissive floor; a stricter Huawei note can still warn (see the CANN003 runbook)."""
    stricter = entry.get("warn_below")
    if stricter and compat.compare_ascend_versions(driver, stricter) < 0:
        return warned(f"driver {driver} is older than the {stricter} one of Huawei's notes asks for with "
                      f"CANN {cann}; another accepts it", f"{evidence}; {entry.get('note', '')}; stricter note: "
                      f"{_url({'source': entry.get('warn_source')})}",
                      f"Upgrade the driver and firmware to {stricter} or newer (Ascend HDK) to satisfy both notes.")
    return passed(f"driver {driver} meets CANN {cann}'s minimum {entry['driver']}", evidence)


def _url(entry: dict) -> str:
    source = entry.get("source")
    return source.get("url", "?") if isinstance(source, dict) else str(source)


CHECKS = [
    # No version file at all is CANN001's finding, not missing evidence.
    Check("CANN001", "toolkit-missing", "a CANN toolkit is installed and its version readable", check_toolkit,
          evidence=reads(optional=(ASCEND_FILES, ENV))),
    Check("CANN002", "set-env-not-loaded", "CANN's set_env.sh exists and its environment is loaded",
          check_set_env, evidence=reads(PATHS, ENV, optional=(ASCEND_FILES,))),
    Check("CANN003", "driver-too-old-for-cann", "the driver is new enough for the installed CANN",
          check_cann_driver, evidence=reads(optional=(ASCEND_FILES, file_key(DRIVER_INFO), ENV))),
]
