"""`ascend-doctor results [DIR]`: the latest run of each service against the previous one and its baseline."""

from __future__ import annotations

from pathlib import Path

from doctor.errors import UsageError
from doctor.exit_codes import ExitStatus
from doctor.printable import shortened
from doctor.runtime import Runtime



def run(args, runtime: Runtime) -> int:
    from doctor.results import compare, store, view

    root = Path(args.dir)
    if not root.is_dir():
        raise UsageError(f"{shortened(args.dir)} is not a folder of results "
                         "(the evaluate role's evaluate_results_dir, or a bench/eval --out parent)")
    try:
        runs = store.find_runs(root)
    except store.TooManyRuns as exc:
        raise UsageError(str(exc)) from None
    series = compare.compare(runs)
    unreadable = [r for r in runs if r.document is None]
    if not series and not unreadable:
        raise UsageError(f"no bench.json or eval.json under {shortened(args.dir)}")
    status = runtime.decide(ExitStatus.FAILED if any(s.failed for s in series) else ExitStatus.OK)
    if args.json:
        print(view.to_json(str(root), series, unreadable), file=runtime.stdout)
    else:
        view.render(runtime.console(), series, unreadable)
    return status
