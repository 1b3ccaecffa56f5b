"""What a probe's answer asks to look at next: npu-smi's health detail for the chips it does not call OK.

The parse is cached (npu_smi_info.parse_cached), so the checks read the same table without parsing it again.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

from doctor.evidence import Observation
from doctor.parsers import npu_smi_info
from doctor.parsers.errors import ParseError


def _readable(npu_smi: Observation) -> Optional[npu_smi_info.NpuSmiInfo]:
    """The chip table, or None when npu-smi did not answer with one."""
    if not npu_smi.ok:
        return None
    try:
        info = npu_smi_info.parse_cached(npu_smi.output)
    except ParseError:
        return None
    return info if info.error is None else None


def npu_process_ids(npu_smi: Observation) -> List[int]:
    """The PIDs npu-smi lists as holding chips; empty when it cannot tell."""
    info = _readable(npu_smi)
    return sorted({p.pid for p in info.processes}) if info else []


def unhealthy_chip_ids(npu_smi: Observation) -> List[Tuple[int, int]]:
    """(npu_id, chip_id) of chips npu-smi does not call OK; empty when it cannot tell."""
    info = _readable(npu_smi)
    return [(c.npu_id, c.chip_id) for c in info.chips if c.health.upper() != "OK"] if info else []
