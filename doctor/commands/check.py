"""`ascend-doctor check`: inspect the host (or a snapshot) and report."""

from __future__ import annotations

from doctor.commands.target import probe_options
from doctor.errors import UsageError
from doctor.exit_codes import ExitStatus
from doctor.inputs import read_input
from doctor.model import Intent
from doctor.probes.plan import collect
from doctor.runtime import Runtime


def ignored_codes(values: list[str], fleet: bool = False) -> list[str]:
    """The codes of --ignore (or `all`), checked to exist (with fleet, the cross-host codes too)."""
    codes = [c.strip() for v in values for c in v.split(",") if c.strip()]
    if not codes:
        return []
    from doctor.checks.catalog import by_code
    from doctor.commands.reference import find
    from doctor.ignore import EVERY_CHECK

    lookup = find if fleet else by_code
    named = [c for c in codes if c.lower() != EVERY_CHECK]
    unknown = [c for c in named if lookup(c) is None]
    if unknown:
        raise UsageError(f"--ignore names unknown check(s) {', '.join(unknown)}; see `ascend-doctor list-checks` "
                         f"(or --ignore {EVERY_CHECK})")
    every = [EVERY_CHECK] if len(named) < len(codes) else []
    return every + [lookup(c).code for c in named]


def recipe_of(args):
    if not args.recipe:
        return None
    from doctor import recipes

    try:
        return recipes.load(args.recipe)
    except recipes.RecipeError as exc:
        raise UsageError(str(exc)) from exc


def intent_of(args, devices: tuple[int, ...] | None) -> Intent:
    recipe = recipe_of(args)
    tp = args.tp or (recipe.tensor_parallel_size if recipe else 1)
    if devices is not None and len(devices) < tp:
        raise UsageError(f"--tp {tp} needs at least {tp} devices; --devices gives {len(devices)}")
    if devices is not None and len(devices) % tp:
        raise UsageError(f"--tp {tp} does not divide the {len(devices)} devices given")
    if recipe and devices is not None and len(devices) != recipe.npus:
        raise UsageError(f"recipe {recipe.name} runs on {recipe.npus} NPU(s); --devices gives {len(devices)}")
    own = tuple(n.strip() for v in getattr(args, "own_service", []) for n in v.split(",") if n.strip())
    return Intent(devices=devices, tp=tp, image=args.image, recipe=recipe.name if recipe else None,
                  own_services=own)


def snapshot_devices(evidence) -> tuple[int, ...] | None:
    """The --devices a snapshot was collected for, so a replay checks the same chips."""
    devices = evidence.meta.get("devices")
    if isinstance(devices, list) and all(isinstance(d, int) for d in devices):
        return tuple(devices)
    return None


def _warm_imports(render: bool) -> None:
    """Import the checks and the renderer while the probes wait on the host: together they take
    longer than a quick host needs to answer."""
    import threading

    def load() -> None:
        import doctor.checks.runner  # noqa: F401
        import doctor.redact  # noqa: F401
        import doctor.report  # noqa: F401
        if render:
            import rich.console  # noqa: F401
            import rich.table  # noqa: F401

    threading.Thread(target=load, daemon=True).start()


EVIDENCE_LIMIT = 16 * 1024 * 1024     # a host's whole evidence is a few hundred KiB


def gather(args, runtime: Runtime):
    if args.snapshot and args.evidence:
        raise UsageError("give --snapshot or --evidence, not both")
    if not (args.snapshot or args.evidence):
        return _probe(args, runtime)
    from doctor import snapshot

    try:
        if args.snapshot:
            return snapshot.read(args.snapshot), args.snapshot
        if args.evidence:
            return snapshot.from_document(read_input(args.evidence, runtime, EVIDENCE_LIMIT), args.evidence), \
                args.evidence
    except snapshot.SnapshotError as exc:
        raise UsageError(str(exc)) from exc


def _probe_progress(runtime: Runtime, timeout: float):
    from doctor.runtime import isatty
    from doctor.waiting import Waiting

    return Waiting(runtime.stderr, isatty(runtime.stderr), "probing the host", timeout)


def _probe(args, runtime: Runtime):
    options = probe_options(args, runtime)
    _warm_imports(render=not args.json)
    evidence = collect(options, _probe_progress(runtime, options.timeout))
    runtime.log(f"collected {len(evidence.observations)} observations in {evidence.meta['duration_s']:.2f} s")
    return evidence, "live"


def metrics_target(args) -> str | None:
    """The metrics format, decided (and the path looked at) before anything is probed."""
    if not getattr(args, "metrics_file", None):
        if getattr(args, "metrics_format", None):
            raise UsageError("--metrics-format needs --metrics-file PATH")
        return None
    from doctor.metrics.output import check_target, format_of

    chosen = format_of(args.metrics_file, args.metrics_format)
    check_target(args.metrics_file)
    return chosen


def judged(args, runtime: Runtime):
    """The report and the evidence it was judged from; None when there was no evidence at all."""
    ignore = ignored_codes(args.ignore)
    intent_of(args, args.devices)   # refuse bad arguments before probing anything
    evidence, source = gather(args, runtime)
    replayed = args.snapshot or args.evidence
    devices = args.devices if args.devices is not None or not replayed else snapshot_devices(evidence)
    intent = intent_of(args, devices)
    if not evidence.observations:
        runtime.log(f"{source} holds no evidence at all; nothing can be decided (collect it again)")
        return None, evidence
    from doctor.checks.runner import run_checks
    from doctor.report import Report

    return Report(run_checks(evidence, intent, ignore), intent, source), evidence


def run(args, runtime: Runtime) -> int:
    metrics_format = metrics_target(args)
    report, evidence = judged(args, runtime)
    if report is None:
        return ExitStatus.UNDECIDED
    runtime.decide(report.exit_status)
    if args.json:
        print(report.to_json(), file=runtime.stdout)
    else:
        report.render(runtime.console(), verbose=args.verbose)
    if metrics_format:
        from doctor.metrics.output import write_metrics
        from doctor.metrics.samples import HostRun

        runtime.stdout.flush()      # the report stays first, even when the metrics cannot be written
        write_metrics(args.metrics_file, metrics_format, [HostRun(None, report, evidence)], runtime)
    return report.exit_status
