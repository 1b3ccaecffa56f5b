"""`ascend-doctor eval --url URL --model NAME --task TASK`: what the service scores, against a baseline."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, replace

from doctor.accuracy import baselines, document, lm_eval_python, service, tasks
from doctor.accuracy.gate import Baseline
from doctor.accuracy.invocation import Invocation
from doctor.commands.smoke import api_key_from, checked_url
from doctor.errors import UsageError
from doctor.exit_codes import ExitStatus
from doctor.printable import shortened
from doctor.runtime import Runtime


@dataclass(frozen=True)
class Plan:
    run: Invocation
    api_key: str | None
    baseline: Baseline | None
    metric: str | None
    directory: str
    offline: bool
    timeout: float


def plan_from(args, runtime: Runtime, now: float) -> Plan:
    url = checked_url(args.url)
    recipe = _recipe(args.recipe)
    model = args.model or (recipe.served_model_name if recipe else None)
    if not model:
        raise UsageError("give --model NAME (the served model name), or --recipe NAME")
    baseline = _baseline(args, recipe, runtime)
    task = _task(args.task, baseline)
    include = _include_path(args.include_path, task)
    directory = os.path.abspath(args.out or document.default_directory(model, now))
    num_fewshot = args.num_fewshot if args.num_fewshot is not None else getattr(baseline, "num_fewshot", None)
    run = Invocation(python=args.lm_eval_python or sys.executable, url=url, model=_model_arg(model, "--model"),
                     task=_model_arg(task, "--task"), output_path=os.path.join(directory, document.LM_EVAL_DIR),
                     include_path=include, limit=args.limit, num_fewshot=num_fewshot, concurrency=args.concurrency,
                     log_samples=args.log_samples)
    return Plan(run, api_key_from(args, runtime), baseline, args.metric or getattr(baseline, "metric", None),
                directory, args.offline or (include is not None and args.include_path is None), args.timeout)


def _recipe(name: str | None):
    if name is None:
        return None
    from doctor.recipes import RecipeError, load

    try:
        return load(name)
    except RecipeError as exc:
        raise UsageError(f"--recipe {shortened(name)}: {exc}") from None


def _baseline(args, recipe, runtime: Runtime) -> Baseline | None:
    from doctor.inputs import read_input

    if args.baseline is not None:
        found = baselines.from_argument(args.baseline,
                                        lambda path: read_input(path, runtime, baselines.BASELINE_FILE_LIMIT))
    elif recipe is not None:
        found = baselines.for_model(recipe.model, args.task, args.metric)
        if found is None:
            runtime.log(f"no published baseline for {recipe.model}"
                        f"{' on ' + args.task if args.task else ''}: the figure is reported, not gated")
    else:
        found = None
    if found is not None and args.tolerance is not None:
        found = replace(found, tolerance=baselines.checked_tolerance(args.tolerance))
    return found


def _task(task: str | None, baseline: Baseline | None) -> str:
    if task and baseline and baseline.task and baseline.task != task:
        raise UsageError(f"--task {shortened(task)} differs from the baseline's task {shortened(baseline.task)} "
                         f"({baseline.source})")
    task = task or (baseline.task if baseline else None)
    if not task:
        raise UsageError(f"give --task TASK (bundled: {', '.join(tasks.bundled())}), or a --recipe or "
                         "--baseline FILE that names one")
    return task


def _include_path(given: str | None, task: str) -> str | None:
    if given is None:
        return str(tasks.FOLDER) if tasks.is_bundled(task) else None
    if not os.path.isdir(given):
        raise UsageError(f"--include-path {shortened(given)} is not a directory")
    return os.path.abspath(given)


def _model_arg(value: str, flag: str) -> str:
    """lm-eval splits --model_args at commas and --tasks at commas and spaces: such a value cannot pass."""
    if not value or any(c in value for c in ", =") or not value.isprintable():
        raise UsageError(f"{flag} {shortened(value)!r} holds a comma, space, '=' or control character, "
                         "which lm-eval's command line cannot carry")
    return value


def run(args, runtime: Runtime) -> int:
    started = time.time()
    plan = plan_from(args, runtime, started)
    document.refuse_taken(plan.directory, args.force)
    version = lm_eval_python.installed_version(plan.run.python)
    listing = service.served_models(plan.run.url, plan.api_key)
    if listing.error:
        runtime.log(f"cannot reach the service: {listing.error}")
        return ExitStatus.UNDECIDED
    if not listing.serves(plan.run.model):
        raise UsageError(f"{plan.run.url} does not serve {plan.run.model!r}; it serves {listing.listed()}")
    document.prepare(plan.directory, args.force)
    from doctor.accuracy import session

    record = session.measure(plan, version, started, runtime)
    status = runtime.decide(record.exit_status)
    _show(record, args.json, runtime)
    return status


def _show(record: document.Record, as_json: bool, runtime: Runtime) -> None:
    if as_json:
        print(json.dumps(record.to_dict(), indent=2), file=runtime.stdout)
        return
    from doctor.accuracy import table

    table.render(record, runtime.console())
