"""`ascend-doctor collect -o DIR`: the raw evidence, written for offline checking."""

from __future__ import annotations

from doctor import snapshot
from doctor.commands.target import probe_options
from doctor.errors import UsageError
from doctor.evidence import OK, TIMEOUT
from doctor.exit_codes import ExitStatus
from doctor.probes.plan import collect
from doctor.runtime import Runtime


def run(args, runtime: Runtime) -> int:
    evidence = collect(probe_options(args, runtime))
    try:
        path = snapshot.write(evidence, args.output, force=args.force)
    except snapshot.SnapshotError as exc:
        raise UsageError(str(exc)) from exc
    statuses = [o.status for o in evidence.observations.values()]
    runtime.log(f"wrote {len(statuses)} observations to {path} in {evidence.meta['duration_s']:.2f} s "
                f"({statuses.count(OK)} ok, {statuses.count(TIMEOUT)} timed out, "
                f"{len(statuses) - statuses.count(OK) - statuses.count(TIMEOUT)} absent or refused)")
    print(path, file=runtime.stdout)
    return ExitStatus.OK
