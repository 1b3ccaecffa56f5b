"""The findings of one or more hosts as metric families, whatever file format carries them.

Every name starts with `ascend_doctor_`: NPU Exporter's own metrics are `npu_chip_info_*`,
`machine_npu_*`, `machine_card_*`, `container_npu_*`, `npu_container_*`, `vnpu_pod_*` and
`npu_exporter_*` (MindCluster docs/en/scheduling/api/npu_exporter/01_prometheus_metrics_api.md),
and custom metrics must not reuse them (its custom_metrics_development.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from doctor import __version__
from doctor.model import ERROR, FAIL, PASS, SKIP, STATUSES, WARN

PREFIX = "ascend_doctor_"
# One number per status, so an alert reads `== 2` (fail) or `>= 2` (fail or error).
STATUS_VALUES = {PASS: 0, WARN: 1, FAIL: 2, ERROR: 3, SKIP: -1}
FLEET_PHASE = "fleet"

CHECK_STATUS = PREFIX + "check_status"
CHECK_STATUS_HELP = ("Result of one ascend-doctor check: 0 pass, 1 warn, 2 fail, 3 error (could not decide), "
                     "-1 skip (does not apply or no evidence).")


@dataclass(frozen=True)
class Sample:
    labels: tuple[tuple[str, str], ...]
    value: float


@dataclass
class Family:
    name: str
    help: str
    samples: list[Sample] = field(default_factory=list)
    type: str = "gauge"

    def add(self, value: float, **labels: str) -> None:
        self.samples.append(Sample(tuple(labels.items()), float(value)))


@dataclass(frozen=True)
class HostRun:
    """One host's part of a run: its report (None when it gave no evidence) and its evidence."""

    host: str | None              # None for `check` on one host: no host label
    report: object = None         # doctor.report.Report
    evidence: object = None       # doctor.evidence.Evidence, for the probe durations


def host_labels(run: HostRun) -> dict[str, str]:
    return {} if run.host is None else {"host": run.host}


def check_status(runs: list[HostRun], fleet_findings=()) -> Family:
    family = Family(CHECK_STATUS, CHECK_STATUS_HELP)
    for run in runs:
        for f in run.report.findings if run.report else ():
            family.add(STATUS_VALUES[f.status], code=f.code, name=f.name, phase=f.phase, **host_labels(run))
    for f in fleet_findings:     # across hosts: no host label
        family.add(STATUS_VALUES[f.status], code=f.code, name=f.name, phase=FLEET_PHASE)
    return family


def check_counts(runs: list[HostRun]) -> Family:
    family = Family(PREFIX + "checks", "Number of ascend-doctor checks with each status in the last run.")
    for run in runs:
        if run.report is not None:
            for status in STATUSES:
                family.add(run.report.counts[status], status=status.lower(), **host_labels(run))
    return family


def verdict(runs: list[HostRun]) -> Family:
    family = Family(PREFIX + "verdict", "The last run's verdict as its exit code: 0 ready, 1 not ready "
                    "(a check failed), 3 undecided (a check could not decide, or the host gave no evidence).")
    for run in runs:
        family.add(int(run.report.exit_status) if run.report is not None else 3, **host_labels(run))
    return family


def reachable(runs: list[HostRun]) -> Family:
    family = Family(PREFIX + "host_reachable", "1 when the host answered the fleet run with its evidence, else 0.")
    for run in runs:
        family.add(run.report is not None, **host_labels(run))
    return family


def probe_durations(runs: list[HostRun]) -> Family:
    family = Family(PREFIX + "probe_duration_seconds",
                    "Seconds each probe (command or file read) took, from the evidence manifest.")
    for run in runs:
        observations = run.evidence.observations.values() if run.evidence is not None else ()
        for obs in sorted(observations, key=lambda o: o.key):
            family.add(obs.duration_s, probe=obs.key, **host_labels(run))
    return family


def run_info(now: float) -> list[Family]:
    stamp = Family(PREFIX + "last_run_timestamp_seconds", "Unix time the last ascend-doctor run finished.")
    stamp.add(now)
    info = Family(PREFIX + "build_info", "The ascend-doctor version that wrote these metrics (always 1).")
    info.add(1, version=__version__)
    return [stamp, info]


def families(runs: list[HostRun], now: float, fleet_findings=(), fleet: bool = False) -> list[Family]:
    found = [check_status(runs, fleet_findings), check_counts(runs), verdict(runs)]
    if fleet:
        found.append(reachable(runs))
    return found + [probe_durations(runs), *run_info(now)]
