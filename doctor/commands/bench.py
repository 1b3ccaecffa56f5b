"""`ascend-doctor bench`: run vLLM's serving benchmark against a service (or read result files
it wrote), report per concurrency level and gate the figures against a baseline."""

from __future__ import annotations

import json
import math
import os
import time
from datetime import datetime, timezone

from doctor.benchmark import output
from doctor.benchmark.baseline import Baseline, BadBaseline, parse_baseline
from doctor.benchmark.document import Run, document
from doctor.benchmark.files import raw_field, read_result_files, sweep_of_files
from doctor.benchmark.gate import gate
from doctor.benchmark.runners import CannotMeasure, ContainerRunner, PythonRunner, url_inside
from doctor.benchmark.service import served_model
from doctor.benchmark.settings import BenchSettings
from doctor.benchmark.sweep import Plan, Sweep, run_sweep
from doctor.commands.smoke import checked_url
from doctor.errors import UsageError
from doctor.exit_codes import ExitStatus
from doctor.inputs import InputTooLarge, read_input
from doctor.printable import shortened
from doctor.runtime import Runtime


def run(args, runtime: Runtime) -> int:
    clock = _Clock()
    baseline = baseline_from(args.baseline, runtime)
    if args.result_file:
        return _judge_files(args, runtime, baseline, clock)
    try:
        return _measure(args, runtime, baseline, clock)
    except CannotMeasure as exc:
        runtime.log(f"error: {exc}")
        return runtime.decide(ExitStatus.UNDECIDED)


class _Clock:
    def __init__(self) -> None:
        self.started, self.monotonic = datetime.now(timezone.utc), time.monotonic()

    def wall_seconds(self) -> float:
        return time.monotonic() - self.monotonic


def baseline_from(path: str | None, runtime: Runtime) -> Baseline | None:
    if path is None:
        return None
    from doctor.benchmark.baseline import MAX_BASELINE

    try:
        return parse_baseline(path, read_input(path, runtime, MAX_BASELINE))
    except InputTooLarge:
        raise UsageError(f"--baseline {shortened(path)}: larger than 1 MiB") from None
    except BadBaseline as exc:
        raise UsageError(f"--baseline {shortened(path)}: {exc}") from None


def settings_from(args) -> BenchSettings:
    mapping = {"num_prompts": args.num_prompts, "request_rate": _rate(args.request_rate),
               "concurrency": _levels(args.concurrency), "input_len": args.input_len, "output_len": args.output_len}
    dataset = args.dataset or ["random"]
    if dataset[0] == "sharegpt" and len(dataset) == 2:
        mapping.update(dataset="sharegpt", dataset_path=dataset[1])
    elif dataset != ["random"]:
        raise UsageError("--dataset is `random` or `sharegpt FILE`")
    try:
        return BenchSettings.from_mapping({k: v for k, v in mapping.items() if v is not None})
    except ValueError as exc:
        raise UsageError(f"benchmark settings: {exc}") from None


def _levels(text: str | None) -> list[int] | None:
    if text is None:
        return None
    parts = [part.strip() for part in text.split(",")]
    if not all(part.isascii() and part.isdigit() and len(part) < 10 for part in parts):
        raise UsageError(f"--concurrency {shortened(text)!r} is not a list of whole numbers like 1,4,16")
    return [int(part) for part in parts]


def _rate(text: str | None) -> float | None:
    if text is None or text.strip() == "inf":
        return None
    try:
        return float(text) if text.strip().isascii() else math.nan
    except ValueError:
        raise UsageError(f"--request-rate {shortened(text)!r} is not a number of requests per second or inf") from None


def _runner(args):
    if bool(args.python) == bool(args.container):
        raise UsageError("give --container NAME (run vLLM's benchmark in the service's container) "
                         "or --python PY (a Python with vLLM), or --result-file to read results")
    return ContainerRunner(args.container) if args.container else PythonRunner(args.python)


def _measure(args, runtime: Runtime, baseline: Baseline | None, clock: _Clock) -> int:
    if not (args.url and args.model):
        raise UsageError("bench needs --url and --model (or --result-file FILE... to read results)")
    url, settings, runner = checked_url(args.url), settings_from(args), _runner(args)
    _baseline_covers(baseline, list(settings.concurrency))
    out_dir = args.out or output.default_out_dir(args.model, clock.started)
    output.refuse_earlier_run(out_dir, args.force)
    inner_url = _prepare_runner(runner, args, url)
    entry = served_model(url, args.model)
    tokenizer = _tokenizer(args, runner, entry)
    output.create(out_dir)
    plan = Plan(settings, runner, inner_url, args.model, tokenizer, out_dir, args.timeout)
    sweep = Sweep()
    try:
        run_sweep(plan, sweep, progress=runtime.log)
    except KeyboardInterrupt:
        sweep.interrupted = True
        sweep.errors.append("interrupted")
    run = Run(url, args.model, tokenizer, runner.mode, runner.target, settings.to_dict())
    return _finish(args, runtime, run, sweep, baseline, clock, out_dir)


def _prepare_runner(runner, args, url: str) -> str:
    """The URL the benchmark process uses: the container's own view of the service, or --url."""
    if runner.mode == "python":
        runner.check()
        return url
    record = runner.inspect()
    if args.container_url:
        return checked_url(args.container_url)
    inner = url_inside(record, url)
    if inner is None:
        raise UsageError(f"container {shortened(runner.target)} publishes no port that {shortened(url)} uses; "
                         "give --container-url (the service's URL inside the container)")
    return inner


def _tokenizer(args, runner, entry: dict) -> str | None:
    if args.tokenizer:
        return args.tokenizer
    root = entry.get("root") if isinstance(entry.get("root"), str) else None
    if runner.mode == "python" and root and os.path.isabs(root) and not os.path.exists(root):
        raise UsageError(f"the service loads its model from {shortened(root)}, which is not on this machine; "
                         "give --tokenizer (a local copy of the model's tokenizer, or its hub name)")
    return root


def _baseline_covers(baseline: Baseline | None, levels: list) -> None:
    if baseline is None or baseline.everywhere is not None:
        return
    if not any(level in baseline.per_level for level in levels):
        raise UsageError(f"--baseline {shortened(baseline.path)} has no level at concurrency "
                         f"{', '.join(map(str, levels))} (it has {', '.join(map(str, baseline.levels()))})")


def _judge_files(args, runtime: Runtime, baseline: Baseline | None, clock: _Clock) -> int:
    if args.python or args.container:
        raise UsageError("--result-file reads results: give it without --python or --container")
    read = read_result_files(args.result_file)
    _baseline_covers(baseline, [figures["max_concurrency"] for _, _, figures in read])
    first_raw = read[0][1]
    model = args.model or raw_field(first_raw, "model_id")
    out_dir = args.out or output.default_out_dir(str(model or "model"), clock.started)
    output.refuse_earlier_run(out_dir, args.force)
    output.create(out_dir)
    sweep = sweep_of_files(read, out_dir)
    settings = {"dataset": None, "dataset_path": None, "input_len": None, "output_len": None,
                "num_prompts": read[0][2]["num_prompts"],
                "concurrency": [level["concurrency"] for level in sweep.levels],
                "request_rate": raw_field(first_raw, "request_rate")}
    run = Run(args.url, model, args.tokenizer or raw_field(first_raw, "tokenizer_id"), "files",
              [path for path, _, _ in read], settings)
    return _finish(args, runtime, run, sweep, baseline, clock, out_dir)


def _finish(args, runtime: Runtime, run: Run, sweep: Sweep, baseline: Baseline | None, clock: _Clock,
            out_dir: str) -> int:
    verdict = gate(sweep.levels, baseline, args.max_regression)
    chart = _draw(sweep, run, out_dir, runtime)
    doc = document(run, sweep, verdict, clock.started, datetime.now(timezone.utc), clock.wall_seconds(),
                   os.path.abspath(out_dir), chart)
    output.write_atomic(os.path.join(out_dir, output.DOCUMENT), (json.dumps(doc, indent=2) + "\n").encode())
    status = runtime.decide(exit_status(sweep, verdict))
    if args.json:
        print(json.dumps(doc, indent=2), file=runtime.stdout)
    else:
        from doctor.benchmark.table import render

        render(doc, runtime.console())
    return status


def _draw(sweep: Sweep, run: Run, out_dir: str, runtime: Runtime) -> str | None:
    if len(sweep.levels) < 2 or any(level["concurrency"] is None for level in sweep.levels):
        return None
    from doctor.benchmark.chart import sweep_chart

    output.write_atomic(os.path.join(out_dir, output.CHART), sweep_chart(sweep.levels, str(run.model)))
    return output.CHART


def exit_status(sweep: Sweep, verdict: dict | None) -> ExitStatus:
    # A definite failure outranks an incomplete measurement: the service under-delivers either way.
    if sweep.interrupted:
        return ExitStatus.INTERRUPTED
    if verdict is not None and not verdict["passed"]:
        return ExitStatus.FAILED
    if sweep.errors:
        return ExitStatus.UNDECIDED
    return ExitStatus.OK
