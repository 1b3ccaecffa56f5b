"""One fleet run: probe the hosts (and, for multi-node clusters, let their chips ping each other),
judge them with the single-host catalog and the cross-host checks, save or replay the evidence."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass

from doctor import snapshot
from doctor.errors import UsageError
from doctor.fleet import judge as host_judge
from doctor.fleet.bundle import collector_script
from doctor.fleet.cross_checks import HostView, ping_plan, run_fleet_checks
from doctor.fleet.gather import HostResult, Plan, gather
from doctor.fleet.inventory import Target
from doctor.fleet.report import FleetReport, HostRow
from doctor.ignore import Ignore
from doctor.report import Report

INDEX = "fleet.json"
INDEX_SCHEMA = "ascend-doctor-fleet-snapshots/1"


@dataclass
class Outcome:
    results: list[HostResult]
    interrupted: bool = False


def probe(targets: list[Target], plan: Plan, progress) -> Outcome:
    def first_round(target: Target) -> str:
        return collector_script(host_judge.devices_of(target), plan.probe_timeout, target.image)

    progress.start(len(targets), "probing")
    results, interrupted = gather(targets, plan, first_round, progress.advance)
    progress.stop()
    if interrupted:
        return Outcome(results, True)
    return _ping_round(results, plan, progress)


def _ping_round(results: list[HostResult], plan: Plan, progress) -> Outcome:
    """Chips of a multi-node cluster ping their peers, now that every peer's address is known."""
    pings = ping_plan(views(results))
    wanted = [r.target for r in results if r.reachable and any(pings.get(r.target.name, {}).values())]
    if not wanted:
        return Outcome(results)

    def second_round(target: Target) -> str:
        plan_of = pings[target.name]
        return collector_script((), plan.probe_timeout, npu_pings=tuple(map(tuple, plan_of.get("npu_pings", ()))),
                                host_pings=tuple(plan_of.get("host_pings", ())), pings_only=True)

    progress.start(len(wanted), "pinging peers")
    answers, interrupted = gather(wanted, plan, second_round, progress.advance)
    progress.stop()
    by_name = {a.target.name: a for a in answers}
    for result in results:
        answer = by_name.get(result.target.name)
        if answer is not None and answer.evidence is not None and result.evidence is not None:
            for obs in answer.evidence.observations.values():
                result.evidence.add(obs)
    return Outcome(results, interrupted)


def views(results: list[HostResult]) -> list[HostView]:
    return [HostView(r.target.name, r.target.groups, r.target.cluster, r.evidence, r.clock_offset_s,
                     r.clock_uncertainty_s) for r in results if r.evidence is not None]


def judge(outcome: Outcome, ignore: list[str]) -> FleetReport:
    rows = [_row(result, ignore) for result in outcome.results]
    judged = [r for r, row in zip(outcome.results, rows) if row.reachable]
    fleet = [Ignore(ignore).apply(f) for f in run_fleet_checks(views(judged))]
    return FleetReport(rows, fleet, outcome.interrupted)


def _row(result: HostResult, ignore: list[str]) -> HostRow:
    if result.evidence is None:
        return HostRow(result.target.name, error=result.error)
    try:
        findings, intent = host_judge.host_findings(result.evidence, result.target, ignore)
    except host_judge.ServicesError as exc:
        return HostRow(result.target.name, error=f"inventory: {exc}")
    source = f"ssh://{result.target.address}:{result.target.port}"
    return HostRow(result.target.name, Report(findings, intent, source))


def save(outcome: Outcome, directory: str, force: bool = False) -> str:
    """Each host's snapshot in DIR/<host>/ and an index (DIR/fleet.json) to replay the run from."""
    target = os.path.abspath(directory)
    _check_output(target, directory, force)
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".fleet-", dir=parent)
    try:
        index = [_save_host(result, staging) for result in outcome.results]
        with open(os.path.join(staging, INDEX), "w", encoding="utf-8") as handle:
            json.dump({"schema": INDEX_SCHEMA, "hosts": index}, handle, indent=1, default=str)
        if os.path.lexists(target):
            shutil.rmtree(target)
        os.replace(staging, target)
    except (OSError, snapshot.SnapshotError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise UsageError(f"cannot write the fleet snapshots to {directory}: {exc}") from exc
    return target


def _save_host(result: HostResult, staging: str) -> dict:
    saved = {k: v for k, v in dataclasses.asdict(result.target).items() if k != "become_password"}
    entry = {"name": result.target.name, "error": result.error, "directory": None,
             "target": saved, "clock_offset_s": result.clock_offset_s,
             "clock_uncertainty_s": result.clock_uncertainty_s}
    if result.evidence is not None:
        entry["directory"] = _directory_name(result.target.name, staging)
        snapshot.write(result.evidence, os.path.join(staging, entry["directory"]))
    return entry


def _directory_name(name: str, parent: str) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "host"
    candidate, n = base, 1
    while os.path.exists(os.path.join(parent, candidate)):
        n += 1
        candidate = f"{base}.{n}"
    return candidate


def _check_output(target: str, shown: str, force: bool) -> None:
    if not os.path.lexists(target) or (os.path.isdir(target) and not os.listdir(target)):
        return
    if not os.path.isdir(target) or os.path.islink(target):
        raise UsageError(f"{shown} exists and is not a directory; choose a new directory name")
    if not force:
        raise UsageError(f"{shown} exists and is not empty; choose another directory, or pass --force to "
                         "replace fleet snapshots written there before")
    listed = {INDEX} | {h.get("directory") for h in _index(target) if isinstance(h, dict)}
    foreign = sorted(set(os.listdir(target)) - listed)
    if foreign:
        raise UsageError(f"{shown} holds more than fleet snapshots ({', '.join(foreign[:5])}); nothing was touched")


def _index(directory: str) -> list:
    from doctor import bounded

    path = os.path.join(directory, INDEX)
    try:
        document = json.loads(bounded.read_file(path, snapshot.MANIFEST_LIMIT, follow_links=False))
    except FileNotFoundError as exc:
        raise UsageError(f"{directory} has no {INDEX}; it is not what `fleet collect -o` wrote") from exc
    except (OSError, ValueError, RecursionError, bounded.ReadRefused, bounded.TooLarge) as exc:
        raise UsageError(f"{path} cannot be read: {exc}") from exc
    if not isinstance(document, dict) or document.get("schema") != INDEX_SCHEMA \
            or not isinstance(document.get("hosts"), list):
        raise UsageError(f"{path} is not an index of fleet snapshots ({INDEX_SCHEMA})")
    return document["hosts"]


def replay(directory: str) -> Outcome:
    """The run `fleet collect -o DIR` saved, judged again offline."""
    if not os.path.isdir(directory):
        raise UsageError(f"{directory} is not a directory; give the directory `fleet collect -o` wrote")
    return Outcome([_replayed(entry, directory) for entry in _index(directory)])


def _replayed(entry: object, directory: str) -> HostResult:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise UsageError(f"{INDEX} in {directory} has a damaged host entry")
    target = _target_of(entry)
    sub = entry.get("directory")
    if not sub:
        return HostResult(target, error=str(entry.get("error") or "no evidence was collected"))
    if not isinstance(sub, str) or sub != os.path.basename(sub) or sub in (".", ".."):
        raise UsageError(f"{INDEX} names {sub!r}, which is not a folder of the fleet snapshots")
    try:
        evidence = snapshot.read(os.path.join(directory, sub))
    except snapshot.SnapshotError as exc:
        return HostResult(target, error=f"snapshot: {exc}")
    numbers = [entry.get(k) if type(entry.get(k)) in (int, float) else None
               for k in ("clock_offset_s", "clock_uncertainty_s")]
    return HostResult(target, evidence, clock_offset_s=numbers[0], clock_uncertainty_s=numbers[1])


def _target_of(entry: dict) -> Target:
    saved = entry.get("target") if isinstance(entry.get("target"), dict) else {}
    known = {f.name for f in dataclasses.fields(Target)}
    fields = {k: v for k, v in saved.items() if k in known}
    fields.update(name=entry["name"], address=str(fields.get("address") or entry["name"]))
    for name in ("groups", "ignore"):
        value = fields.get(name)
        fields[name] = tuple(str(v) for v in value) if isinstance(value, list) else ()
    try:
        return Target(**fields)
    except TypeError as exc:
        raise UsageError(f"{INDEX}: the saved settings of {entry['name']} are damaged: {exc}") from exc
