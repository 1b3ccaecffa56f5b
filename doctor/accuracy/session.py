"""One eval: lm-eval run, its results read and gated, and eval.json written whatever happened."""

from __future__ import annotations

import os

from doctor.accuracy import document, failures, invocation, results, runner
from doctor.accuracy.gate import Verdict
from doctor.exit_codes import ExitStatus
from doctor.printable import printable_line
from doctor.redact import redact_argv, redact_values

TAIL_FOR_REASON = 40
TAIL_QUOTED = 3


def measure(plan, version: str, started: float, runtime) -> document.Record:
    run = plan.run
    record = document.Record(url=run.url, model=run.model, task=run.task, limit=run.limit,
                             num_fewshot=run.num_fewshot, command=redact_argv(invocation.argv(run)),
                             started=started, lm_eval_version=version)
    log_path = os.path.join(plan.directory, document.LOG)
    record.files.update(eval=os.path.join(plan.directory, document.DOCUMENT), log=log_path,
                        lm_eval_output=run.output_path)
    runtime.log(f"running lm-eval {version} on {run.task} against {run.url} (log: {log_path})")
    outcome = runner.run(invocation.argv(run), invocation.environment(runtime.environ, plan.api_key, plan.offline),
                         log_path, plan.timeout)
    if plan.api_key:
        _hide_in_file(log_path, plan.api_key)
    record.exit_status = _settle(record, plan, outcome, log_path)
    _finish(record, plan.directory, runtime)
    return record


def _settle(record: document.Record, plan, outcome: runner.Outcome, log_path: str) -> int:
    """Read what the run left and decide its exit status, recording every error on the way."""
    tail = runner.log_tail(log_path, TAIL_FOR_REASON)
    if outcome.start_error:
        return _failed(record, outcome.start_error, ExitStatus.UNDECIDED)
    if outcome.interrupted:
        return _failed(record, "interrupted: lm-eval was stopped; what it wrote is kept", ExitStatus.INTERRUPTED,
                       tail)
    if outcome.timed_out:
        return _failed(record, f"lm-eval did not finish within --timeout {plan.timeout:g} s and was stopped",
                       ExitStatus.UNDECIDED, tail)
    if not outcome.ok:
        failure = failures.reason(tail, outcome.returncode, plan.run.task, plan.run.url)
        return _failed(record, failure.message, ExitStatus.USAGE if failure.bad_input else ExitStatus.UNDECIDED,
                       () if failure.known else tail)
    return _read_results(record, plan)


def _read_results(record: document.Record, plan) -> int:
    path = results.newest_file(plan.run.output_path, since=record.started - 1)
    if path is None:
        return _failed(record, f"lm-eval exited 0 but wrote no results_*.json under {plan.run.output_path}",
                       ExitStatus.UNDECIDED)
    record.files["results"] = path
    try:
        found = results.load(path)
        record.metrics = found.metrics
        record.eval_seconds = _seconds(found.doc.get("total_evaluation_time_seconds"))
        record.result = results.measured(found, plan.run.task, plan.metric)
    except results.ResultsError as exc:
        return _failed(record, str(exc), ExitStatus.UNDECIDED)
    if plan.baseline is None:
        return ExitStatus.OK
    record.gate = Verdict(plan.baseline, record.result.value, record.result.higher_is_better)
    return ExitStatus.OK if record.gate.passed else ExitStatus.FAILED


def _seconds(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _failed(record: document.Record, message: str, status: int, tail: list[str] = ()) -> int:
    record.errors.append(message)
    if tail:
        quoted = " | ".join(printable_line(line[:300]) for line in tail[-TAIL_QUOTED:])
        record.errors.append(f"the log ends: {quoted}")
    return status


def _hide_in_file(path: str, secret: str) -> None:
    """The API key out of the log, should anything have printed it."""
    try:
        with open(path, encoding="utf-8", errors="replace") as log:
            text = log.read()
        if secret in text:
            with open(path, "w", encoding="utf-8") as log:
                log.write(redact_values(text, {secret}))
    except OSError:
        pass


def _finish(record: document.Record, directory: str, runtime) -> None:
    import time

    record.finished = time.time()
    for error in record.errors:
        runtime.log(error)
    try:
        document.write(record, directory)
    except OSError as exc:
        runtime.log(f"cannot write {record.files['eval']}: {exc.strerror or exc}")
        record.files.pop("eval", None)

