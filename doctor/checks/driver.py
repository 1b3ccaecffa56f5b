"""DRV: driver and firmware version files."""

from __future__ import annotations

from doctor.checks.base import Check, failed, passed, reads, skipped, warned
from doctor.evidence import MISSING, NOT_A_FILE
from doctor.evidence_keys import DRIVER_INFO, FIRMWARE_INFO, INSTALL_INFO, file_key
from doctor.facts import Facts, Undecided
from doctor.model import ERROR
from doctor.parsers.errors import ParseError
from doctor.parsers import version_files

DRIVER, FIRMWARE, INSTALL = file_key(DRIVER_INFO), file_key(FIRMWARE_INFO), file_key(INSTALL_INFO)
DRIVER_MOUNT = f"-v {DRIVER_INFO}:{DRIVER_INFO}"


def check_driver_version(facts: Facts, intent):
    obs = facts.observation(DRIVER)
    if obs.status == NOT_A_FILE:
        return failed(f"{DRIVER_INFO} is a directory: docker created it because the host path given to -v "
                      "did not exist", obs.detail, f"Mount the host's file: `{DRIVER_MOUNT}` (check it exists on "
                      "the host first).")
    if obs.status == MISSING:
        return failed(f"{DRIVER_INFO} is missing: the driver is not installed, or not mounted into the container",
                      obs.detail, f"Host: install the Ascend driver (Ascend HDK). Container: add `{DRIVER_MOUNT}` "
                      "and `-v /usr/local/Ascend/driver/lib64/:/usr/local/Ascend/driver/lib64/`.")
    fields = facts.parsed(DRIVER, version_files.parse_version_file)
    version = version_files.version_of(fields)
    if not version:
        return failed(f"{DRIVER_INFO} names no version", _lines(fields),
                      "Reinstall the driver; the file is damaged.")
    return passed(f"driver {version}", _lines(fields, ("Version", "package_version", "Innerversion")))


def check_firmware(facts: Facts, intent):
    obs = facts.observation(FIRMWARE)
    if obs.status == MISSING:
        return skipped(f"{FIRMWARE_INFO} is not visible here (containers do not mount it); run on the host")
    firmware = version_files.version_of(facts.parsed(FIRMWARE, version_files.parse_version_file))
    driver_fields = facts.parsed(DRIVER, version_files.parse_version_file)
    try:
        ranges = version_files.parse_ranges(driver_fields.get("compatible_version_fw", ""))
    except ParseError as exc:
        raise Undecided(ERROR, f"could not read `{DRIVER}`: {exc.reason}", exc.excerpt) from exc
    evidence = f"firmware {firmware}; driver compatible_version_fw={driver_fields.get('compatible_version_fw', '-')}"
    if not firmware or not ranges:
        return skipped("the driver names no firmware range to compare with", evidence)
    if any(_in_range(firmware, r) for r in ranges):
        return passed(f"firmware {firmware} is within the driver's supported range", evidence)
    return failed(f"firmware {firmware} is outside the range the driver supports", evidence,
                  "Upgrade the firmware package that matches the driver (same Ascend HDK release), then reboot.")


def _in_range(version: str, bounds: tuple[str, ...]) -> bool:
    numbers = _numeric(version)
    if len(bounds) == 1:
        return numbers[: len(_numeric(bounds[0]))] == _numeric(bounds[0])
    low, high = _numeric(bounds[0]), _numeric(bounds[-1])
    width = max(len(low), len(high))
    return low <= numbers[:width] <= high


def _numeric(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.strip().split("."):
        if not piece.isdigit():
            break
        parts.append(int(piece))
    return tuple(parts)


def check_install_info(facts: Facts, intent):
    obs = facts.observation(INSTALL)
    if obs.status == NOT_A_FILE:
        return failed(f"{INSTALL_INFO} is a directory: docker created it because the host path given to -v "
                      "did not exist", obs.detail, f"Mount the host's file: `-v {INSTALL_INFO}:{INSTALL_INFO}`.")
    if obs.status == MISSING:
        return warned(f"{INSTALL_INFO} is missing: npu-smi and the runtime read the driver path from it",
                      obs.detail, f"Container: add `-v {INSTALL_INFO}:{INSTALL_INFO}`. Host: reinstall the driver.")
    fields = facts.parsed(INSTALL, version_files.parse_version_file)
    path = fields.get("Driver_Install_Path_Param")
    if not path:
        return warned(f"{INSTALL_INFO} does not name Driver_Install_Path_Param", _lines(fields))
    return passed(f"driver installed under {path}", _lines(fields, ("Driver_Install_Path_Param",)))


def _lines(fields: dict[str, str], keys: tuple[str, ...] | None = None) -> str:
    chosen = keys or tuple(fields)
    return "\n".join(f"{k}={fields[k]}" for k in chosen if k in fields)


CHECKS = [
    Check("DRV001", "driver-version-missing", f"{DRIVER_INFO} is present and names the driver version",
          check_driver_version, evidence=reads(DRIVER)),
    Check("DRV002", "firmware-driver-mismatch", "the firmware version is in the driver's compatible range",
          check_firmware, evidence=reads(FIRMWARE, DRIVER)),
    Check("DRV003", "install-info-missing", f"{INSTALL_INFO} is present and names the driver path",
          check_install_info, evidence=reads(INSTALL)),
]
