"""DEV: device nodes, npu-smi, chip health, chip count, chips already in use."""

from __future__ import annotations

import json
import re

from doctor.checks.base import Check, failed, passed, reads, skipped, warned
from doctor.evidence import MISSING, NOT_A_FILE, PERMISSION, TIMEOUT
from doctor.evidence_keys import (ANY, DEV, DOCKER_PS, NPU_PROCESSES, NPU_SMI_INFO, davinci_index,
                                  npu_smi_health_key)
from doctor.facts import Facts, Undecided
from doctor.model import ERROR, FAIL, PASS, WARN, Intent
from doctor.parsers import npu_smi_fields
from doctor.parsers.errors import ParseError

CONTROL_NODES = ("davinci_manager", "devmm_svm", "hisi_hdc")
NPU_SMI_MOUNT = "-v /usr/local/bin/npu-smi:/usr/local/bin/npu-smi"
# dcmi return codes seen when npu-smi cannot open the chips.
DCMI_ERRORS = {
    -8005: "the device is held by another process or container (only one container may open a chip), "
           "or the container was not given the chip's /dev/davinciN node",
    -8020: "the device is busy or not present: another container holds it, or the driver is not loaded",
}
CONTAINER_ID = re.compile(r"\b([0-9a-f]{64})\b")
SERVICE_LABEL = "ascend-doctor.service"       # set on every container the deploy starts (deploy_plan)
BUSY_FAIL_FRACTION = 0.5
BUSY_WARN_FRACTION = 0.2
OWN = "OWN"     # a chip's busy verdict: held only by the deployment's own service, which passes


def wanted_indexes(facts: Facts, intent: Intent) -> list[int]:
    if intent.devices is not None:
        return list(intent.devices)
    return sorted(i for i in map(davinci_index, facts.dev_entries()) if i is not None)


def check_device_nodes(facts: Facts, intent: Intent):
    entries = facts.dev_entries()
    wanted = wanted_indexes(facts, intent)
    if not wanted:
        return failed("no /dev/davinciN node at all: this host or container sees no NPU",
                      "ls /dev: " + (", ".join(sorted(entries)) or "no davinci* entries"),
                      "On the host: check the driver is installed (`npu-smi info`). In a container: "
                      "add `--device /dev/davinci0` (one per NPU) to `docker run`.")
    bad = {f"davinci{i}": _node_problem(entries.get(f"davinci{i}")) for i in wanted}
    bad = {name: why for name, why in bad.items() if why}
    seen = "; ".join(f"/dev/{n}: {_node_text(entries.get(n))}" for n in (f"davinci{i}" for i in wanted))
    if bad:
        flags = " ".join(f"--device /dev/{name}" for name in bad)
        return failed(f"{', '.join('/dev/' + n for n in bad)} {'is' if len(bad) == 1 else 'are'} not usable "
                      f"({'; '.join(bad.values())})", seen,
                      f"Map the chips into the container: `docker run {flags} ...`; on the host, reload the "
                      "driver or reboot if the node vanished.")
    return passed(f"{len(wanted)} NPU device node(s) present as character devices", seen)


def _node_problem(entry: dict | None) -> str:
    if not entry or not entry.get("exists"):
        return "missing"
    if entry.get("type") != "char":
        return f"a {entry.get('type')}, not a character device"
    return ""


def _node_text(entry: dict | None) -> str:
    if not entry or not entry.get("exists"):
        return "missing"
    numbers = f" {entry['major']},{entry['minor']}" if "major" in entry else ""
    return f"{entry.get('type')}{numbers}"


def check_control_nodes(facts: Facts, intent: Intent):
    entries = facts.dev_entries()
    bad = [name for name in CONTROL_NODES if _node_problem(entries.get(name))]
    seen = "; ".join(f"/dev/{n}: {_node_text(entries.get(n))}" for n in CONTROL_NODES)
    if bad:
        return failed(f"control node(s) {', '.join('/dev/' + n for n in bad)} not usable", seen,
                      "Add " + " ".join(f"--device /dev/{n}" for n in bad) + " to `docker run`.")
    return passed("davinci_manager, devmm_svm and hisi_hdc present as character devices", seen)


def check_npu_smi(facts: Facts, intent: Intent):
    obs = facts.observation(NPU_SMI_INFO)
    if obs.status == MISSING:
        return failed("npu-smi is not installed or not on PATH", obs.detail,
                      f"On the host install the Ascend driver; in a container add `{NPU_SMI_MOUNT}` "
                      "and `-v /usr/local/dcmi:/usr/local/dcmi`.")
    if obs.status == NOT_A_FILE:
        return failed("npu-smi is a directory: docker created it because the host path given to -v did not exist",
                      obs.detail,
                      "Find npu-smi on the host (`which npu-smi`; often /usr/local/sbin/npu-smi) and mount that "
                      "path: `-v $(which npu-smi):/usr/local/bin/npu-smi`.")
    if obs.status == PERMISSION:
        return failed("npu-smi cannot be run by this user", obs.detail,
                      "Run as root or add the user to the HwHiAiUser group.")
    if obs.status == TIMEOUT:
        raise Undecided(ERROR, f"npu-smi info {obs.detail}: a chip or the driver may be wedged",
                        obs.output[-400:])
    info = facts.npu_info_or_error()
    if info.error is not None:
        why = DCMI_ERRORS.get(info.error.code, "npu-smi could not talk to the driver")
        return failed(f"npu-smi failed: {info.error.text} - {why}", info.error.text,
                      "See which process holds the chips on the host: `npu-smi info` (process table) and "
                      "`docker ps`; stop the other container or map a free chip. If none holds it, check "
                      "the container got every --device node and the driver mounts of the recipe.")
    return passed(f"npu-smi {info.npu_smi_version or '?'} lists {len(info.chips)} chip(s)",
                  f"npu-smi {info.npu_smi_version} Version: {info.driver_version}")


def chips_in_scope(facts: Facts, intent: Intent):
    info = facts.npu_info()
    if intent.devices is None:
        return info, list(info.chips)
    return info, [c for c in info.chips if c.device_index in intent.devices]


# npu-smi's health states beyond OK and Warning (Huawei's npu-smi reference, see docs/runbooks/DEV004.md).
FAILING_HEALTH = {"ALARM", "CRITICAL", "UNKNOWN"}


def check_chip_health(facts: Facts, intent: Intent):
    info, chips = chips_in_scope(facts, intent)
    if not chips:
        return skipped("no chip of the intended devices is listed by npu-smi (see DEV005)")
    sick = [c for c in chips if c.health.upper() != "OK"]
    rows = "; ".join(f"NPU {c.npu_id} chip {c.chip_id} (device {c.device_index}): {c.health}" for c in sick)
    if not sick:
        return passed(f"{len(chips)} chip(s) report Health OK")
    detail = _health_details(facts, sick)
    fix = ("Read the error codes: `npu-smi info -t health -i NPU -c CHIP`; collect logs with `msnpureport`; "
           "reset the chip (`npu-smi set -t reset -i NPU -c CHIP`) or move the service to healthy chips "
           "with --devices.")
    evidence = rows + (("\n" + detail) if detail else "")
    if any(c.health.upper() in FAILING_HEALTH for c in sick):
        return failed(f"{len(sick)} chip(s) unhealthy", evidence, fix)
    if all(c.health.upper() == "WARNING" for c in sick):
        return warned(f"{len(sick)} chip(s) report Warning", evidence, fix)
    # A word npu-smi never prints (a retyped paste's "0K", a garbled row) cannot prove a sick chip.
    return warned(f"{len(sick)} chip(s) report a health state npu-smi does not print", evidence,
                  "Run `npu-smi info` again and read the Health column; " + fix)


def _health_details(facts: Facts, chips) -> str:
    lines = []
    for chip in chips:
        key = npu_smi_health_key(chip.npu_id, chip.chip_id)
        obs = facts.evidence.get(key)
        if obs is None or not obs.ok:
            continue
        try:
            health = npu_smi_fields.parse_health(obs.output)
        except ParseError:
            lines.append(f"{key}: {obs.output.strip()[:200]}")
            continue
        codes = " ".join(health.error_codes)
        info = (health.error_information or "").splitlines()[0] if health.error_information else ""
        lines.append(f"NPU {chip.npu_id} chip {chip.chip_id}: {health.status} {codes} {info}".rstrip())
    return "\n".join(lines)


def check_chip_count(facts: Facts, intent: Intent):
    info = facts.npu_info()
    present = sorted({c.device_index for c in info.chips})
    listed = "devices listed by npu-smi: " + (", ".join(map(str, present)) or "none")
    if intent.devices is not None:
        absent = [d for d in intent.devices if d not in present]
        if absent:
            return failed(f"intended device(s) {', '.join(map(str, absent))} not listed by npu-smi", listed,
                          f"Choose devices that exist (--devices {','.join(map(str, present[:max(intent.tp, 1)]))}) "
                          "or map them into the container.")
    available = len(intent.devices) if intent.devices is not None else len(present)
    if available < intent.tp:
        return failed(f"tensor parallel {intent.tp} needs {intent.tp} chips; {available} available", listed,
                      f"Lower --tensor-parallel-size or give {intent.tp} devices.")
    return passed(f"{available} chip(s) available for tensor parallel {intent.tp}", listed)


BUSY_ROWS_PER_CHIP = 5     # process rows DEV006 shows per chip,
BUSY_ROWS_IN_ALL = 20      # and in all; the rest are counted


def check_chips_busy(facts: Facts, intent: Intent):
    info, chips = chips_in_scope(facts, intent)
    if not chips:
        return skipped("no chip of the intended devices is listed by npu-smi (see DEV005)")
    by_chip = _processes_by_chip(info.processes)
    owners = own_service_pids(facts, intent)
    rows = _RowBudget()
    verdicts = [_busy_verdict(chip, by_chip.get((chip.npu_id, chip.chip_id), []), owners, rows) for chip in chips]
    busy = [(status, text) for status, text in verdicts if status not in (PASS, OWN)]
    own = [text for status, text in verdicts if status == OWN]
    if not busy:
        if own:
            services = sorted({owners[p.pid] for chip in chips for p in by_chip.get((chip.npu_id, chip.chip_id), [])
                               if p.pid in owners})
            return passed(f"{len(own)} intended chip(s) in use by this deployment's own service(s) "
                          f"{', '.join(services)}; nothing else holds them", "\n".join(own))
        return passed(f"{len(chips)} intended chip(s) idle (no processes, memory mostly free)")
    fix = ("Stop what holds them (`npu-smi info` shows the PIDs; `docker ps` the containers) or choose idle "
           "chips with --devices. Memory used with no process listed usually belongs to another container.")
    result = failed if any(status == FAIL for status, _ in busy) else warned
    evidence = "\n".join([text for _, text in busy] + rows.left_out())
    return result(f"{len(busy)} intended chip(s) already in use", evidence, fix)


def _busy_verdict(chip, procs: list, owners: dict[int, str], rows: _RowBudget) -> tuple[str, str]:
    """FAIL, WARN, OWN (held by the deployment's own service only) or PASS for one chip, and what holds it."""
    foreign = [p for p in procs if p.pid not in owners]
    if foreign:
        return FAIL, f"device {chip.device_index}: {_processes_text(foreign, rows)}"
    if procs:
        services = ", ".join(sorted({owners[p.pid] for p in procs}))
        return OWN, f"device {chip.device_index}: service {services}: {_processes_text(procs, rows)}"
    used, total = _memory(chip)
    share = used / total if total else 0.0
    if share <= BUSY_WARN_FRACTION:
        return PASS, ""
    status = FAIL if share > BUSY_FAIL_FRACTION else WARN
    return status, f"device {chip.device_index}: {used} of {total} MB in use with no process listed"


def own_service_pids(facts: Facts, intent: Intent) -> dict[int, str]:
    """npu-smi's PIDs that run in a container of one of the deployment's own services -> that service.

    npu-smi gives host PIDs; /proc/PID/cgroup names the container, `docker ps` its service label.
    Without that evidence no process is the deployment's own, so the chips count as held by others.
    """
    if not intent.own_services:
        return {}
    services = _service_of_container(facts)
    owners = {}
    for pid, entry in _npu_processes(facts).items():
        found = CONTAINER_ID.search(str(entry.get("cgroup") or "")) if isinstance(entry, dict) else None
        service = services.get(found.group(1)) if found else None
        if service in intent.own_services and pid.isdigit():
            owners[int(pid)] = service
    return owners


def _npu_processes(facts: Facts) -> dict:
    try:
        return facts.table(NPU_PROCESSES)
    except Undecided:
        return {}


def _service_of_container(facts: Facts) -> dict[str, str]:
    """Full container ID -> the value of its ascend-doctor.service label, from `docker ps`."""
    try:
        text = facts.output(DOCKER_PS)
    except Undecided:
        return {}
    services = {}
    for line in text.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if not isinstance(row, dict):
            continue
        labels = dict(part.partition("=")[::2] for part in str(row.get("Labels") or "").split(","))
        if SERVICE_LABEL in labels:
            services[str(row.get("ID"))] = labels[SERVICE_LABEL]
    return services


def _processes_by_chip(processes) -> dict[tuple[int, int], list]:
    by_chip: dict[tuple[int, int], list] = {}
    for process in processes:
        by_chip.setdefault((process.npu_id, process.chip_id), []).append(process)
    return by_chip


class _RowBudget:
    """How many process rows DEV006 may still show, and how many it left out."""

    def __init__(self) -> None:
        self.left = BUSY_ROWS_IN_ALL
        self.hidden = 0

    def take(self, procs: list) -> list:
        shown = procs[:min(BUSY_ROWS_PER_CHIP, self.left)]
        self.left -= len(shown)
        self.hidden += len(procs) - len(shown)
        return shown

    def left_out(self) -> list[str]:
        if not self.hidden:
            return []
        return [f"… and {self.hidden} more process{'es' if self.hidden > 1 else ''}"]


def _processes_text(procs: list, rows: _RowBudget) -> str:
    """"2 processes holding 110180 MB: 1534604 (python, 54963 MB), ...", a few rows at most."""
    held = sum(p.memory_mb or 0 for p in procs)
    count = f"{len(procs)} process{'es' if len(procs) > 1 else ''} holding {held} MB"
    shown = ", ".join(f"{p.pid} ({p.name or '?'}, {_mb(p.memory_mb)})" for p in rows.take(procs))
    return f"{count}: {shown}" if shown else count


def _mb(value: int | None) -> str:
    return "? MB" if value is None else f"{value} MB"


def _memory(chip) -> tuple[int, int]:
    if chip.hbm_total_mb:
        return chip.hbm_used_mb or 0, chip.hbm_total_mb
    return chip.memory_used_mb or 0, chip.memory_total_mb or 0


def check_chip_memory(facts: Facts, intent: Intent):
    from doctor import recipes

    recipe = recipes.load(intent.recipe)
    need_gib = recipe.resources.min_hbm_gib_per_chip
    info, chips = chips_in_scope(facts, intent)
    if not chips:
        return skipped("no chip of the intended devices is listed by npu-smi (see DEV005)")
    sizes = {c.device_index: _memory(c)[1] for c in chips}
    evidence = "; ".join(f"device {d}: {mb} MB" for d, mb in sizes.items()) + f"; recipe {recipe.name} needs " \
        f"{need_gib} GiB per chip ({recipe.resources.note})"
    small = [d for d, mb in sizes.items() if mb < need_gib * 1024]
    if small:
        return failed(f"device(s) {', '.join(map(str, small))} have less than the {need_gib} GiB per chip "
                      f"recipe {recipe.name} needs", evidence,
                      "Use chips with more memory (e.g. 64 GB 910B1/B2/B3 or A3 instead of 32 GB 910B4), or a "
                      "recipe with more chips per instance.")
    return passed(f"every intended chip has at least {need_gib} GiB", evidence)


def _recipe_states_memory(intent: Intent) -> str | None:
    if not intent.recipe:
        return "only with --recipe"
    from doctor import recipes

    if recipes.load(intent.recipe).resources.min_hbm_gib_per_chip is None:
        return f"recipe {intent.recipe} states no memory per chip"
    return None


CHIP_TABLE = reads(NPU_SMI_INFO)      # all that most chip checks read

CHECKS = [
    Check("DEV001", "device-nodes-missing", "the intended /dev/davinciN nodes exist as character devices",
          check_device_nodes, evidence=reads(DEV)),
    Check("DEV002", "control-nodes-missing", "/dev/davinci_manager, /dev/devmm_svm, /dev/hisi_hdc exist",
          check_control_nodes, evidence=reads(DEV)),
    Check("DEV003", "npu-smi-unusable", "npu-smi is a file, runs, and can read the chips",
          check_npu_smi, evidence=CHIP_TABLE),
    Check("DEV004", "chip-unhealthy", "the intended chips report Health OK",
          check_chip_health, evidence=reads(NPU_SMI_INFO, optional=(npu_smi_health_key(ANY, ANY),))),
    Check("DEV005", "not-enough-chips", "the intended devices exist and fit the tensor-parallel size",
          check_chip_count, evidence=CHIP_TABLE),
    Check("DEV006", "chips-busy", "no process holds the intended chips and their memory is free",
          check_chips_busy, evidence=reads(NPU_SMI_INFO, optional=(NPU_PROCESSES, DOCKER_PS))),
    Check("DEV007", "chip-memory-too-small", "the intended chips have the memory per chip the recipe needs",
          check_chip_memory, applies=_recipe_states_memory, evidence=CHIP_TABLE),
]
