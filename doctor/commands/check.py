"""`ascend-doctor check`: inspect the host (or a snapshot) and report."""

from __future__ import annotations

from doctor import snapshot
from doctor.checks.base import Intent
from doctor.checks.catalog import by_code
from doctor.checks.runner import run_checks
from doctor.commands.target import probe_options
from doctor.errors import UsageError
from doctor.probes.plan import collect
from doctor.report import Report
from doctor.runtime import Runtime


def ignored_codes(values: list[str]) -> list[str]:
    codes = [c.strip() for v in values for c in v.split(",") if c.strip()]
    unknown = [c for c in codes if by_code(c) is None]
    if unknown:
        raise UsageError(f"--ignore names unknown check(s) {', '.join(unknown)}; see `ascend-doctor list-checks`")
    return [by_code(c).code for c in codes]


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
    return Intent(devices=devices, tp=tp, image=args.image, recipe=recipe.name if recipe else None)


def snapshot_devices(evidence) -> tuple[int, ...] | None:
    """The --devices a snapshot was collected for, so a replay checks the same chips."""
    devices = evidence.meta.get("devices")
    if isinstance(devices, list) and all(isinstance(d, int) for d in devices):
        return tuple(devices)
    return None


def _warm_rich() -> None:
    """Import the renderer while the probes wait on the host; it is the slowest import."""
    import threading

    def load() -> None:
        import rich.console  # noqa: F401
        import rich.table  # noqa: F401

    threading.Thread(target=load, daemon=True).start()


def gather(args, runtime: Runtime):
    if args.snapshot:
        try:
            return snapshot.read(args.snapshot), args.snapshot
        except snapshot.SnapshotError as exc:
            raise UsageError(str(exc)) from exc
    if not args.json:
        _warm_rich()
    evidence = collect(probe_options(args, runtime))
    runtime.log(f"collected {len(evidence.observations)} observations in {evidence.meta['duration_s']:.2f} s")
    return evidence, "live"


def run(args, runtime: Runtime) -> int:
    ignore = ignored_codes(args.ignore)
    intent_of(args, args.devices)   # refuse bad arguments before probing anything
    evidence, source = gather(args, runtime)
    devices = args.devices if args.devices is not None or not args.snapshot else snapshot_devices(evidence)
    intent = intent_of(args, devices)
    report = Report(run_checks(evidence, intent, ignore), intent, source)
    if args.json:
        print(report.to_json(), file=runtime.stdout)
    else:
        report.render(runtime.console(), verbose=args.verbose)
    return report.exit_status
