"""One run of vLLM's benchmark per concurrency level, each bounded by a deadline; a level that
fails ends the sweep, and the levels measured before it are kept."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from doctor.benchmark.argv import bench_argv
from doctor.benchmark.output import level_name, write_atomic
from doctor.benchmark.process import Finished, run_logged
from doctor.benchmark.results import NotAResult, parse_result
from doctor.benchmark.settings import BenchSettings
from doctor.printable import printable_line

TAIL_LINES = 6


@dataclass
class Plan:
    settings: BenchSettings
    runner: object              # a PythonRunner or ContainerRunner
    base_url: str               # as the benchmark process reaches the service
    model: str
    tokenizer: str | None
    out_dir: str
    timeout_s: float


@dataclass
class Sweep:
    levels: list[dict] = field(default_factory=list)      # bench.json's sweep: {concurrency, result}
    errors: list[str] = field(default_factory=list)
    results: list[str] = field(default_factory=list)      # raw result files kept, in out_dir
    logs: list[str] = field(default_factory=list)
    benchmark_seconds: float = 0.0
    interrupted: bool = False


def run_sweep(plan: Plan, sweep: Sweep, progress=lambda message: None) -> None:
    """Measure each level into `sweep`, which the caller keeps should Ctrl-C end this early."""
    for concurrency in plan.settings.concurrency:
        progress(f"concurrency {concurrency}: running vLLM's benchmark "
                 f"(log: {os.path.join(plan.out_dir, level_name(concurrency, 'log'))})")
        if not run_level(plan, concurrency, sweep):
            break
        figures = sweep.levels[-1]["result"]
        progress(f"concurrency {concurrency}: {figures['completed']} completed, {figures['failed']} failed, "
                 f"{figures['output_throughput']:.1f} output tok/s")


def run_level(plan: Plan, concurrency: int, sweep: Sweep) -> bool:
    """Measure one level into `sweep`; False (with the reason in sweep.errors) when it failed."""
    log_name, kept_name = level_name(concurrency, "log"), level_name(concurrency, "json")
    log_path, partial = os.path.join(plan.out_dir, log_name), f".{kept_name}.partial"
    runner = plan.runner
    result_dir = runner.result_dir(plan.out_dir)
    argv = bench_argv(plan.settings, base_url=plan.base_url, model=plan.model, tokenizer=plan.tokenizer,
                      concurrency=concurrency, result_dir=result_dir, result_filename=partial)
    finished = run_logged(runner.command(argv, result_dir), log_path, plan.timeout_s,
                          stop_inside=lambda: runner.stop_inside(log_path))
    sweep.logs.append(log_name)
    sweep.benchmark_seconds += finished.seconds
    failure = _failure(finished, plan.timeout_s)
    if failure is None:
        failure = _keep_result(plan, concurrency, result_dir, partial, kept_name, sweep)
    else:
        runner.discard(result_dir, partial)
    if failure is None:
        return True
    sweep.interrupted = finished.interrupted
    sweep.errors.append(f"concurrency {concurrency}: {failure}{_tail(log_path)}")
    return False


def _failure(finished: Finished, timeout_s: float) -> str | None:
    if finished.error:
        return finished.error
    if finished.interrupted:
        return "interrupted; the benchmark was stopped"
    if finished.timed_out:
        return f"vLLM's benchmark did not finish within {timeout_s:g} s (--timeout); it was stopped"
    if finished.returncode != 0:
        return f"vLLM's benchmark exited with status {finished.returncode}"
    return None


def _keep_result(plan: Plan, concurrency: int, result_dir: str, partial: str, kept_name: str,
                 sweep: Sweep) -> str | None:
    try:
        raw = plan.runner.take_result(result_dir, partial)
    except OSError as exc:
        return f"vLLM's benchmark ended without writing its result file ({exc})"
    try:
        result = parse_result(raw.decode("utf-8", "replace"))
    except NotAResult as exc:
        write_atomic(os.path.join(plan.out_dir, f"{kept_name}.unreadable"), raw)
        return f"its result file cannot be read: {exc}"
    write_atomic(os.path.join(plan.out_dir, kept_name), raw)
    sweep.results.append(kept_name)
    sweep.levels.append({"concurrency": concurrency, "result": result})
    return None


def _tail(log_path: str) -> str:
    """The log's last lines, quoted after the reason."""
    try:
        with open(log_path, "rb") as log:
            log.seek(max(0, os.path.getsize(log_path) - 8192))
            lines = log.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return ""
    kept = [printable_line(line.rstrip())[:300] for line in lines if line.strip()][-TAIL_LINES:]
    return "; last lines of its log:\n  " + "\n  ".join(kept) if kept else "; its log is empty"

