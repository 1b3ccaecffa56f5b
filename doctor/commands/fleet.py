"""`ascend-doctor fleet check|collect`: every host of an Ansible inventory, over SSH, judged here."""

from __future__ import annotations

import os
import time

from doctor.errors import UsageError
from doctor.exit_codes import ExitStatus
from doctor.runtime import Runtime, isatty


def run(args, runtime: Runtime) -> int:
    if args.fleet_command == "collect":
        return collect(args, runtime)
    return check(args, runtime)


def check(args, runtime: Runtime) -> int:
    from doctor.commands.check import ignored_codes, metrics_target
    from doctor.fleet import session

    ignore = ignored_codes(args.ignore, fleet=True)
    metrics_format = metrics_target(args)
    if args.snapshots:
        outcome = session.replay(args.snapshots)
    else:
        outcome = session.probe(_inventory(args), _plan(args), _progress(runtime))
    report = session.judge(outcome, ignore)
    runtime.decide(report.exit_status)
    if args.json:
        print(report.to_json(), file=runtime.stdout)
    else:
        report.render(runtime.console())
    if report.interrupted:
        runtime.log("interrupted: the hosts above answered before Ctrl-C")
    if metrics_format:
        _write_metrics(args, metrics_format, outcome, report, runtime)
    return report.exit_status


def _write_metrics(args, metrics_format: str, outcome, report, runtime: Runtime) -> None:
    from doctor.metrics.output import write_metrics
    from doctor.metrics.samples import HostRun

    evidence = {r.target.name: r.evidence for r in outcome.results}
    runs = [HostRun(h.name, h.report, evidence.get(h.name)) for h in report.hosts]
    runtime.stdout.flush()
    write_metrics(args.metrics_file, metrics_format, runs, runtime, report.fleet_findings, fleet=True)


def collect(args, runtime: Runtime) -> int:
    from doctor.fleet import session

    outcome = session.probe(_inventory(args), _plan(args), _progress(runtime))
    path = session.save(outcome, args.output, force=args.force)
    answered = sum(r.reachable for r in outcome.results)
    runtime.log(f"wrote {answered} host snapshot(s) of {len(outcome.results)} to {path}")
    for result in outcome.results:
        if not result.reachable:
            runtime.log(f"{result.target.name}: {result.error}")
    print(path, file=runtime.stdout)
    if outcome.interrupted:
        return ExitStatus.INTERRUPTED
    return ExitStatus.OK if answered == len(outcome.results) else ExitStatus.UNDECIDED


def _inventory(args):
    from doctor.fleet import inventory

    if not args.inventory:
        raise UsageError("give the hosts with -i INVENTORY (or, for `fleet check`, --snapshots DIR)")
    return inventory.load(args.inventory, args.limit, args.vault_password_file).targets


def _plan(args):
    from doctor.fleet.gather import Plan
    from doctor.fleet.ssh import SshSettings

    for name in ("known_hosts", "ssh_config"):
        path = getattr(args, name)
        if path and not os.path.isfile(path):
            raise UsageError(f"--{name.replace('_', '-')} {path} is not a file")
    settings = SshSettings(known_hosts=args.known_hosts, accept_new_host_keys=args.accept_new_host_keys,
                           ssh_config=args.ssh_config, connect_timeout=min(args.timeout, 10.0))
    return Plan(settings, probe_timeout=min(10.0, args.timeout / 2), host_deadline=args.timeout, forks=args.forks)


def _progress(runtime: Runtime):
    """A live bar on a terminal; nothing but the final count otherwise."""
    from doctor.fleet.progress import Progress

    return Progress(runtime.stderr, live=isatty(runtime.stderr), started=time.monotonic())
