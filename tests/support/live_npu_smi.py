"""`npu-smi info` of a simulated host that serves models: a chip a container holds shows its process and HBM.

The table is a real capture; for every running container that maps one of the host's
/dev/davinciN nodes, the chip's HBM usage is raised and a process row is added in the
process table, shaped like the rows of a real capture with processes
(npu-smi-info/vllm-ascend-3689-A3-8x2chip-25.3.rc1-procs.txt). The PID is the container's
main process on this machine, so /proc/PID/cgroup names the container as on a real host.
Other npu-smi arguments are answered by the host's replayer of captures.
"""

from __future__ import annotations

HBM_SHARE_OF_A_SERVING_CHIP = 0.9       # vLLM takes most of the HBM (gpu_memory_utilization 0.9)
PROCESS_MEMORY_MB = 55217                # as a row of the capture above

SCRIPT = r'''#!/usr/bin/python3
"""npu-smi of a simulated host (tests/support/live_npu_smi.py)."""
import json, os, re, subprocess, sys

CAPTURE, DEV_DIR, REPLAYER = {capture!r}, {dev_dir!r}, {replayer!r}
HBM_SHARE, PROCESS_MB = {share!r}, {process_mb!r}


def holders():
    """device number -> [(pid, name)] of running containers that map /dev/davinciN of this host."""
    ids = subprocess.run(["docker", "ps", "-q"], capture_output=True, text=True).stdout.split()
    if not ids:
        return {{}}
    found = {{}}
    for c in json.loads(subprocess.run(["docker", "inspect"] + ids, capture_output=True, text=True).stdout or "[]"):
        pid = (c.get("State") or {{}}).get("Pid") or 0
        for device in (c.get("HostConfig") or {{}}).get("Devices") or []:
            m = re.fullmatch(re.escape(DEV_DIR) + r"/davinci(\d+)", device.get("PathOnHost", ""))
            if m and pid:
                found.setdefault(int(m.group(1)), []).append((pid, comm(pid)))
    return found


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as handle:
            return handle.read().strip()
    except OSError:
        return ""


def render(lines, busy):
    out, npu, in_processes = [], None, False
    for line in lines:
        if line.startswith("| NPU     Chip"):
            in_processes = True
        if in_processes:
            m = re.match(r"\| No running processes found in NPU (\d+)", line)
            if m and int(m.group(1)) in busy:
                n = int(m.group(1))
                out += [row(line, n, pid, name) for pid, name in busy[n]]
                continue
            out.append(line)
            continue
        first = re.match(r"\| (\d+)\s+\S+\s+\|", line)
        if first:
            npu = int(first.group(1))
            out.append(line)
            continue
        if npu in busy and re.search(r"\d+\s*/\s*\d+\s+\|$", line):
            line = hbm(line)
            npu = None
        out.append(line)
    return out


def hbm(line):
    m = re.search(r"(\d+)(\s*/\s*)(\d+)(\s+)\|$", line)
    used = str(int(int(m.group(3)) * HBM_SHARE))
    old = m.group(1) + m.group(2)
    new = (used + m.group(2)).ljust(len(old)) if len(used) <= len(m.group(1)) else used + "/ "
    return line[:m.start()] + new + line[m.start() + len(old):]


def row(template, npu, pid, name):
    cells = " %-7s %-17s | %-13s | %-24s | %-23s " % (npu, 0, pid, name, PROCESS_MB)
    return ("|" + cells + "|").ljust(len(template))


if sys.argv[1:] != ["info"]:
    os.execv(REPLAYER, [REPLAYER] + sys.argv[1:])
with open(CAPTURE) as handle:
    lines = handle.read().splitlines()
sys.stdout.write("\n".join(render(lines, holders())) + "\n")
'''


def script(capture: str, dev_dir: str, replayer: str) -> str:
    return SCRIPT.format(capture=capture, dev_dir=dev_dir, replayer=replayer, share=HBM_SHARE_OF_A_SERVING_CHIP,
                         process_mb=PROCESS_MEMORY_MB)
