"""Parsed records as the JSON `ascend-doctor parse` prints in its document's "result".

`jsonable` serves most kinds; the others add what their parser module derives from the record
(powers in mW, the link speed, the CANN version, the software stack ...), so a reader of the JSON
gets it without repeating the parser's rules.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from doctor import redact
from doctor.parsers import dev_listing, hccn, version_files


def jsonable(record: object) -> object:
    """A record as JSON: a dataclass's fields and properties, tuples as lists, times in ISO 8601."""
    if dataclasses.is_dataclass(record):
        names = [field.name for field in dataclasses.fields(record)] + _properties(type(record))
        return {name: jsonable(getattr(record, name)) for name in names}
    if isinstance(record, dict):
        return {str(key): jsonable(value) for key, value in record.items()}
    if isinstance(record, (list, tuple)):
        return [jsonable(value) for value in record]
    if isinstance(record, datetime):
        return record.isoformat()
    return record


def _properties(cls: type) -> list[str]:
    return [name for name, value in vars(cls).items() if isinstance(value, property) and not name.startswith("_")]


def optical(values: dict[str, str]) -> dict:
    """The fields as printed, and every power among them in mW as a number."""
    powers = {key: hccn.milliwatts(value) for key, value in values.items()}
    return {"fields": values, "power_mw": {key: mw for key, mw in powers.items() if mw is not None}}


def lldp(tlvs: dict[str, tuple[str, ...]]) -> dict:
    """The TLVs, and the switch port the NPU's link ends at (the Port ID TLV's Ifname)."""
    return {"tlvs": jsonable(tlvs), "switch_port": hccn.lldp_value(tlvs, "Port ID TLV", "Ifname")}


def netdev_status(status: tuple[str, dict[str, str]]) -> dict:
    interface, settings = status
    return {"interface": interface, "settings": settings, "speed_mbps": hccn.speed_mbps(settings)}


def device_names(names: tuple[str, ...]) -> dict:
    return {"names": list(names), "davinci_ids": list(dev_listing.davinci_ids(names))}


def version_file(fields: dict[str, str]) -> dict:
    """The fields, the package's own version and the compatible_version* ranges, read."""
    ranges = {key: jsonable(version_files.parse_ranges(value))
              for key, value in fields.items() if key.startswith("compatible_version")}
    return {"fields": fields, "version": version_files.version_of(fields), "compatible": ranges}


def version_cfg(cfg: dict[str, tuple[tuple[str, str], ...]]) -> dict:
    return {"entries": jsonable(cfg), "cann_version": version_files.cann_version_from_cfg(cfg)}


def collect_env(report) -> dict:
    """The report's parts and the software stack it describes; secrets redacted (a report lists the
    environment, and its JSON may be pasted on)."""
    return redact.redact_structure({
        "fields": report.fields,
        "packages": report.packages,
        "env_vars": report.env_vars,
        "cann_version": report.cann_version,
        "driver_version": report.driver_version,
        "stack": jsonable(report.stack()),
        "npu_smi_text": report.npu_smi_text,
    })
