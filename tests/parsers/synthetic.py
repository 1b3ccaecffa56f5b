"""Outputs of any size built from the real lines of fixtures, for scaling and hostile-input tests.

Only the count of lines changes: every line is a verbatim fixture line, or one whose pid is
replaced by another of the same width, so the parsers see the shapes real hosts print.
"""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# An A3 host with a process table (4 process rows per NPU group at most).
NPU_SMI_INFO = FIXTURES / "npu-smi-info" / "vllm-ascend-3689-A3-8x2chip-25.3.rc1-procs.txt"
HEALTH = FIXTURES / "npu-smi-t" / "mindcluster-fd-910A-health-i0-c0-alarm.txt"
NETDEV_STATUS = FIXTURES / "hccn" / "arthurchiao-910B1-status-i3-annotated.txt"
FIRST_PID = 1_000_000


def _npu_smi_info_parts() -> tuple[list[str], list[str], list[str], str]:
    """(chip table up to the process header, process header rows, process rows, group separator)."""
    lines = NPU_SMI_INFO.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if "Process id" in line)
    rows = [line for line in lines[at + 2:] if line.startswith("| ") and line.split("|")[1].split()[0].isdigit()]
    return lines[:at], lines[at:at + 2], rows, lines[at + 1]


def _with_pid(row: str, pid: int) -> str:
    cells = row.split("|")
    width = len(cells[2])
    cells[2] = f" {pid}".ljust(width)
    return "|".join(cells)


def npu_smi_info(process_rows: int) -> str:
    """The A3 capture with `process_rows` rows in its process table, a group separator after every 4."""
    chips, header, rows, separator = _npu_smi_info_parts()
    table = []
    for n in range(process_rows):
        table.append(_with_pid(rows[n % len(rows)], FIRST_PID + n))
        if n % 4 == 3:
            table.append(separator)
    if process_rows % 4:
        table.append(separator)
    return "\n".join([*chips, *header, *table]) + "\n"


def npu_smi_info_lines(total_lines: int) -> str:
    """An npu-smi info output of about `total_lines` lines (the chip table and a long process table)."""
    fixed = len(NPU_SMI_INFO.read_text().splitlines())
    return npu_smi_info(max(0, (total_lines - fixed) * 4 // 5))


def health_with_continuations(count: int) -> str:
    """`npu-smi info -t health` whose Error Information goes on for `count` continuation lines."""
    lines = HEALTH.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith(":"))
    # Each continuation comes after a blank line, as in the capture.
    pairs = [lines[i - 1:i + 1] for i in range(at, len(lines)) if lines[i].strip().startswith(":")]
    body = [line for n in range(count) for line in pairs[n % len(pairs)]]
    return "\n".join([*lines[:at - 1], *body]) + "\n"


def netdev_status_with_continuations(count: int) -> str:
    """`hccn_tool -status -g` whose "Supported link modes" goes on for `count` continuation lines."""
    lines = NETDEV_STATUS.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if "Supported link modes" in line)
    continuation = next(line for line in lines if line.strip() == "100000baseKR4/Full")
    return "\n".join([*lines[:at + 1], *[continuation] * count, *lines[at + 1:]]) + "\n"
