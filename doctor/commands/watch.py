"""`ascend-doctor watch`: check this host every --interval seconds, for monitoring.

Each run replaces the cached report (`check --json`, read by `npd-status`) and the metrics file
whole. One run at a time: a lock beside the cache stops a second watch, and runs never overlap
(the next starts --interval after the previous one started, or right after a longer run). A run
that fails is logged in one line and the loop goes on; the last good cache stays until it is stale.
SIGTERM (Kubernetes stopping the pod) ends the loop within a second, as Ctrl-C does.
"""

from __future__ import annotations

import os
import signal
import time

from doctor.errors import UsageError
from doctor.exit_codes import ExitStatus
from doctor.runtime import Runtime


class _Stop:
    """SIGTERM arrived: raised as Ctrl-C is, so a running probe cleans up its processes the same way."""

    asked = False


def run(args, runtime: Runtime) -> int:
    from doctor.commands.check import metrics_target

    metrics_format = metrics_target(args)
    from doctor.metrics.output import check_target

    check_target(args.cache, "--cache")
    with _Lock(args.cache):
        signal.signal(signal.SIGTERM, _stop)
        try:
            return _loop(args, runtime, metrics_format)
        except KeyboardInterrupt:
            if not _Stop.asked:
                raise
        runtime.log("stopped (SIGTERM)")
        return ExitStatus.OK


def _loop(args, runtime: Runtime, metrics_format: str | None) -> int:
    number = 0
    while True:
        number += 1
        started = time.monotonic()
        status = one_run(args, runtime, metrics_format, number)
        if _Stop.asked:
            raise KeyboardInterrupt
        if args.once:
            return status
        time.sleep(max(0.0, started + args.interval - time.monotonic()))


def one_run(args, runtime: Runtime, metrics_format: str | None, number: int) -> int:
    """The run's exit status; a failure is logged, never raised (Ctrl-C and SIGTERM excepted)."""
    from doctor.commands.check import judged

    try:
        report, evidence = judged(args, runtime)
        if report is None:
            return ExitStatus.UNDECIDED
        _publish(args, runtime, metrics_format, report, evidence)
    except UsageError as exc:
        runtime.log(f"run {number} failed: {exc}")
        return ExitStatus.USAGE
    except Exception as exc:    # noqa: BLE001 - the loop must survive any one run
        runtime.log(f"run {number} failed: {type(exc).__name__}: {exc}")
        return ExitStatus.UNDECIDED
    runtime.log(f"run {number}: {report.summary_line()}")
    return report.exit_status


def _publish(args, runtime: Runtime, metrics_format: str | None, report, evidence) -> None:
    from doctor.atomic_file import write_atomically

    try:
        write_atomically(args.cache, report.to_json() + "\n", mode=0o644)
    except OSError as exc:
        raise UsageError(f"cannot write the cache {args.cache}: {exc.strerror or exc}") from exc
    if metrics_format:
        from doctor.metrics.output import write_metrics
        from doctor.metrics.samples import HostRun

        write_metrics(args.metrics_file, metrics_format, [HostRun(None, report, evidence)], runtime)


def _stop(signum, frame) -> None:
    _Stop.asked = True
    raise KeyboardInterrupt


class _Lock:
    """An exclusive lock on CACHE.lock for the life of the loop; a second watch is refused."""

    def __init__(self, cache: str) -> None:
        self.path = os.path.join(os.path.dirname(os.path.abspath(cache)), f".{os.path.basename(cache)}.lock")
        self.fd: int | None = None

    def __enter__(self) -> _Lock:
        import fcntl

        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise UsageError(f"another ascend-doctor watch is writing {self.path[:-5]} (it holds {self.path})") \
                from None
        except OSError as exc:
            raise UsageError(f"cannot lock {self.path}: {exc.strerror or exc}") from exc
        return self

    def __exit__(self, *exc) -> None:
        os.close(self.fd)
