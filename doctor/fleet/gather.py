"""Evidence from every host at once: a bounded pool, a deadline per host, one host's failure its own row.

Threads are daemons and a host past its deadline is cut off and left behind, so neither a hung
host nor Ctrl-C can hold the run: what was gathered so far is returned.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from typing import Callable

from doctor import snapshot
from doctor.evidence import Evidence
from doctor.fleet.inventory import Target
from doctor.fleet.ssh import HostError, Session, SshSettings, explain_exit


@dataclass(frozen=True)
class HostResult:
    target: Target
    evidence: Evidence | None = None
    error: str | None = None
    seconds: float = 0.0
    clock_offset_s: float | None = None       # host clock minus controller clock
    clock_uncertainty_s: float | None = None

    @property
    def reachable(self) -> bool:
        return self.evidence is not None


@dataclass(frozen=True)
class Plan:
    settings: SshSettings
    probe_timeout: float = 10.0
    host_deadline: float = 60.0
    forks: int = 32


Progress = Callable[[HostResult], None]


def gather(targets: list[Target], plan: Plan, script_of: Callable[[Target], str],
           progress: Progress = lambda result: None) -> tuple[list[HostResult], bool]:
    """(a result per target, in inventory order; whether Ctrl-C cut the run short)."""
    results: dict[str, HostResult] = {t.name: HostResult(t, error=t.error) for t in targets if t.error}
    for result in results.values():
        progress(result)
    waiting = [t for t in targets if not t.error]
    running: dict[str, tuple[Session, float]] = {}
    finished: queue.Queue = queue.Queue()
    interrupted = False
    try:
        while waiting or running:
            while waiting and len(running) < plan.forks:
                target = waiting.pop(0)
                running[target.name] = _start(target, plan, script_of(target), finished)
            _collect_finished(finished, running, results, progress, _next_deadline(running))
            _expire(running, results, progress, plan)
    except KeyboardInterrupt:
        interrupted = True
        for name, (session, _) in running.items():
            session.abort()
            results[name] = HostResult(session.target, error="interrupted before it answered")
        for target in waiting:
            results[target.name] = HostResult(target, error="interrupted before it was contacted")
    return [results[t.name] for t in targets if t.name in results], interrupted


def _start(target: Target, plan: Plan, script: str, finished: queue.Queue) -> tuple[Session, float]:
    session = Session(target, plan.settings)
    deadline = time.monotonic() + plan.host_deadline
    thread = threading.Thread(target=lambda: finished.put((target.name, _ask(session, script, deadline))),
                              name=f"host-{target.name}", daemon=True)
    thread.start()
    return session, deadline


def _ask(session: Session, script: str, deadline: float) -> HostResult:
    target, started = session.target, time.monotonic()
    try:
        exchange = session.run_collector(script, deadline)
        why = explain_exit(exchange, target)
        if why:
            return HostResult(target, error=why, seconds=time.monotonic() - started)
        evidence = snapshot.from_document(exchange.stdout, f"{target.name}")
    except (HostError, snapshot.SnapshotError) as exc:
        return HostResult(target, error=str(exc), seconds=time.monotonic() - started)
    except Exception as exc:   # paramiko raises many kinds on a sick connection; the run goes on
        return HostResult(target, error=f"SSH failed: {type(exc).__name__}: {str(exc)[:200]}",
                          seconds=time.monotonic() - started)
    finally:
        session.close()
    offset, uncertainty = clock_offset(evidence.meta, exchange.sent_at, exchange.received_at)
    return HostResult(target, evidence, seconds=time.monotonic() - started, clock_offset_s=offset,
                      clock_uncertainty_s=uncertainty)


def clock_offset(meta: dict, sent_at: float, received_at: float) -> tuple[float | None, float | None]:
    """Host clock minus controller clock, and how far off that estimate may be.

    The host's collection [collected_at, finished_at] happened within [sent_at, received_at] of
    the controller's clock; comparing the midpoints leaves at most half the slack as error.
    """
    start, end = meta.get("collected_at"), meta.get("finished_at")
    if not all(type(v) in (int, float) for v in (start, end)) or end < start:
        return None, None
    offset = (start + end) / 2 - (sent_at + received_at) / 2
    slack = max((received_at - sent_at) - (end - start), 0.0)
    return round(offset, 3), round(slack / 2, 3)


def _next_deadline(running: dict) -> float:
    if not running:
        return 0.0
    return max(min(deadline for _, deadline in running.values()) - time.monotonic(), 0.0)


def _collect_finished(finished: queue.Queue, running: dict, results: dict, progress: Progress,
                      wait_s: float) -> None:
    try:
        name, result = finished.get(timeout=min(wait_s, 0.5) if wait_s else 0.05)
    except queue.Empty:
        return
    if name in running:
        del running[name]
        results[name] = result
        progress(result)


def _expire(running: dict, results: dict, progress: Progress, plan: Plan) -> None:
    now = time.monotonic()
    for name, (session, deadline) in list(running.items()):
        if now > deadline:
            session.abort()
            del running[name]
            results[name] = HostResult(session.target, error=f"no answer within {plan.host_deadline:g} s "
                                                             "(the host's deadline, --timeout)")
            progress(results[name])
