"""Filters the service role uses while it replaces containers (the parsing lives in the doctor)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

try:
    from doctor.parsers import npu_smi_info
    from doctor.parsers.errors import ParseError
except ImportError as exc:  # the controller needs `pip install ascend-doctor`
    MISSING = exc
else:
    MISSING = None


def npu_holders(npu_smi_output, devices):
    """{device: [pid, ...]} for each of ``devices`` that a process still holds, per `npu-smi info`.

    Raises when the output is not a chip table, so a wait never mistakes garbage for released chips."""
    if MISSING is not None:
        raise AnsibleFilterError(f"the ascend-doctor package is not importable on the controller ({MISSING})")
    try:
        info = npu_smi_info.parse(str(npu_smi_output))
    except ParseError as exc:
        raise AnsibleFilterError(f"npu-smi info printed no chip table: {exc}") from exc
    if info.error is not None or not info.chips:
        raise AnsibleFilterError(f"npu-smi info printed no chip table: {info.error.text if info.error else 'no chips'}")
    index = {(chip.npu_id, chip.chip_id): chip.device_index for chip in info.chips}
    wanted = {int(d) for d in devices}
    held: dict[int, list[int]] = {}
    for process in info.processes:
        device = index.get((process.npu_id, process.chip_id))
        if device in wanted:
            held.setdefault(device, []).append(process.pid)
    return held


def service_definition(service):
    """What the host keeps about a running service: everything rendered but the role's own copy of it."""
    return {key: value for key, value in dict(service).items() if key != "definition"}


class FilterModule:
    def filters(self):
        return {"npu_holders": npu_holders, "service_definition": service_definition}
