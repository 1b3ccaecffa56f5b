"""`ascend-doctor bundle -o FILE.tar.gz [--snapshot DIR] [LOG ...]`: what a support request needs, in
one file: this host's snapshot (or a saved one), its check report and the diagnosis of the logs."""

from __future__ import annotations

from doctor import bundle, snapshot
from doctor.commands.check import snapshot_devices
from doctor.commands.diagnose import read_each
from doctor.commands.target import probe_options
from doctor.errors import UsageError
from doctor.exit_codes import ExitStatus
from doctor.runtime import Runtime


def run(args, runtime: Runtime) -> int:
    try:
        bundle.check_output(args.output, args.force)
        texts, inputs = read_each(args.logs, runtime) if args.logs else ([], [])
        raw = _evidence(args, runtime)
        members, evidence = bundle.snapshot_members(raw)
        devices = args.devices if args.devices is not None or not args.snapshot else snapshot_devices(raw)
        members.append(bundle.Member(bundle.CHECK_FILE, _check_json(evidence, devices, args.snapshot or "live")))
        if texts:
            members.append(bundle.Member(bundle.DIAGNOSIS_FILE, _diagnosis_json(texts, inputs)))
            members += bundle.log_members(args.logs, texts)
        members = bundle.scrubbed(members, bundle.secrets_in(raw, texts))
        runtime.log(f"{args.output} will hold:\n{bundle.listing(members)}")
        path = bundle.write(args.output, members, args.force)
    except (bundle.BundleError, snapshot.SnapshotError) as exc:
        raise UsageError(str(exc)) from exc
    print(path, file=runtime.stdout)
    return ExitStatus.OK


def _evidence(args, runtime: Runtime):
    """Unredacted: the secrets found in it are taken out of every file of the bundle."""
    if args.snapshot:
        return snapshot.read(args.snapshot, redact=False)
    from doctor.probes.plan import collect

    evidence = collect(probe_options(args, runtime))
    runtime.log(f"collected {len(evidence.observations)} observations in {evidence.meta['duration_s']:.2f} s")
    return evidence


def _check_json(evidence, devices, source: str) -> str:
    from doctor.checks.runner import run_checks
    from doctor.model import Intent
    from doctor.report import Report

    intent = Intent(devices=devices)
    return Report(run_checks(evidence, intent), intent, source).to_json()


def _diagnosis_json(texts: list[str], inputs) -> str:
    from doctor.diagnose import report
    from doctor.diagnose.run import diagnose

    return report.to_json(diagnose("\n".join(texts), inputs))
