"""Parses arguments and dispatches to one command; nothing else."""

from __future__ import annotations

import argparse
import math
import sys

from doctor import __version__
from doctor.commands.parse_kinds import KINDS, listing
from doctor.errors import UsageError
from doctor.exit_codes import ExitStatus
from doctor.runtime import Runtime


MAX_DEVICE_INDEX = 255        # /dev/davinciN: a host has at most 16 chips; more is a typo
MAX_COUNT = 1024              # --tp and other counts
MAX_SECONDS = 24 * 3600


def _shown(text: str) -> str:
    from doctor.printable import shortened

    return shortened(text, 80)


def _ascii_int(text: str) -> int | None:
    """A whole number written in ASCII digits ('٢' is not 2 here), or None."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    return int(text)


def device_list(text: str) -> tuple[int, ...]:
    """'0,1' or '0-3' or '0,2-3' -> (0, 1, ...)."""
    devices: list[int] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        low, dash, high = part.partition("-")
        first, last = _ascii_int(low), _ascii_int(high) if dash else _ascii_int(low)
        if first is None or last is None or last < first:
            raise argparse.ArgumentTypeError(f"'{_shown(text)}' is not a device list like 0,1 or 0-3")
        if last > MAX_DEVICE_INDEX:
            raise argparse.ArgumentTypeError(f"'{_shown(text)}' names device {last}; a host has devices "
                                             f"0 to at most {MAX_DEVICE_INDEX}")
        devices += range(first, last + 1)
    if not devices:
        raise argparse.ArgumentTypeError(f"'{_shown(text)}' is not a device list like 0,1 or 0-3")
    if len(set(devices)) != len(devices):
        raise argparse.ArgumentTypeError(f"'{_shown(text)}' names a device twice")
    return tuple(devices)


def positive_int(text: str) -> int:
    value = _ascii_int(text)
    if value is None or not 1 <= value <= MAX_COUNT:
        raise argparse.ArgumentTypeError(f"'{_shown(text)}' is not a whole number from 1 to {MAX_COUNT}")
    return value


def _ascii_float(text: str) -> float:
    """The number written in ASCII, or nan; callers refuse nan (and inf) by their range checks."""
    try:
        value = float(text) if text.strip().isascii() else math.nan
    except ValueError:
        value = math.nan
    return value if math.isfinite(value) else math.nan


def positive_seconds(text: str) -> float:
    """A finite number of seconds above 0 and at most a day: nan, inf and 1e400 are refused."""
    value = _ascii_float(text)
    if not 0 < value <= MAX_SECONDS:
        raise argparse.ArgumentTypeError(f"'{_shown(text)}' is not a number of seconds above 0 "
                                         f"and at most {MAX_SECONDS}")
    return value


class ArgumentParser(argparse.ArgumentParser):
    """argparse, with the user's text in its messages shown, never obeyed, by the terminal."""

    def error(self, message: str):
        from doctor.printable import printable

        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {printable(message)}\n")


def _add_target_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--root", default="/", help="inspect a host file system mounted here (e.g. /host)")
    p.add_argument("--devices", type=device_list, help="the NPUs the deployment will use, e.g. 0,1 or 0-3")
    p.add_argument("--python", help="a Python interpreter whose packages to check (the one that runs vLLM)")
    p.add_argument("--timeout", type=positive_seconds, default=10.0, help="seconds each probe may take (10)")


def forks(text: str) -> int:
    value = positive_int(text)
    if value > 256:
        raise argparse.ArgumentTypeError(f"'{_shown(text)}' forks is more than 256")
    return value


def _add_fleet_target_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-i", "--inventory", action="append", metavar="INVENTORY",
                   help="an Ansible inventory (file or directory; repeatable)")
    p.add_argument("-l", "--limit", metavar="PATTERN", help="only the hosts matching this pattern, as in ansible")
    p.add_argument("-f", "--forks", type=forks, default=32, help="hosts probed at once (32)")
    p.add_argument("--timeout", type=positive_seconds, default=60.0,
                   help="seconds each host may take, connection included (60)")
    p.add_argument("--known-hosts", metavar="FILE", help="known_hosts to verify host keys against "
                   "(default: the ssh config's UserKnownHostsFile, else ~/.ssh/known_hosts)")
    p.add_argument("--accept-new-host-keys", action="store_true",
                   help="add keys of hosts not yet in known_hosts (a changed key is still refused)")
    p.add_argument("--ssh-config", metavar="FILE", help="an ssh config to read instead of ~/.ssh/config")
    p.add_argument("--vault-password-file", metavar="FILE", help="to decrypt vaulted inventory values")


def _add_metrics_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--metrics-file", metavar="PATH", help="also write the findings as metrics: PATH.prom for "
                   "node_exporter's textfile collector, PATH.json for NPU Exporter's -textMetricsFilePath")
    p.add_argument("--metrics-format", choices=["textfile", "npu-exporter"],
                   help="the metrics file's format (default: from its extension)")


def _add_fleet(sub) -> None:
    fleet = sub.add_parser("fleet", help="check every host of an Ansible inventory over SSH")
    actions = fleet.add_subparsers(dest="fleet_command", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="probe the hosts and report per host and across hosts")
    _add_fleet_target_args(check)
    check.add_argument("--snapshots", metavar="DIR", help="judge what `fleet collect -o DIR` saved instead")
    check.add_argument("--ignore", action="append", default=[], metavar="CODE",
                       help="report this check's FAIL or ERROR as a WARN (repeatable, comma-separated, or `all`)")
    check.add_argument("--json", action="store_true", help="print the report as JSON (ascend-doctor-fleet/1)")
    _add_metrics_args(check)
    collect = actions.add_parser("collect", help="save each host's evidence for offline checking")
    _add_fleet_target_args(collect)
    collect.add_argument("-o", "--output", required=True, metavar="DIR", help="the directory to write")
    collect.add_argument("--force", action="store_true", help="replace fleet snapshots written there before")


def _add_parse(sub) -> None:
    parse = sub.add_parser("parse", help="turn a command's output into JSON",
                           epilog=f"kinds:\n{listing()}", formatter_class=argparse.RawDescriptionHelpFormatter)
    parse.add_argument("kind", choices=list(KINDS), metavar="KIND", help="which output it is (listed below)")
    parse.add_argument("file", nargs="?", default="-", help="a file, or - for standard input (default)")


def _add_diagnose(sub) -> None:
    diagnose = sub.add_parser("diagnose", help="name the root cause from pasted logs, reports and commands")
    diagnose.add_argument("files", nargs="*", metavar="FILE", help="logs or pasted text (default, or -: standard input)")
    diagnose.add_argument("--json", action="store_true", help="print the diagnosis as JSON (ascend-doctor-diagnosis/1)")


def _add_bundle(sub) -> None:
    bundle = sub.add_parser("bundle", help="write a support bundle: snapshot, check report, diagnosis of logs")
    _add_target_args(bundle)
    bundle.add_argument("-o", "--output", required=True, metavar="FILE", help="the .tar.gz to write")
    bundle.add_argument("--snapshot", metavar="DIR", help="bundle a snapshot written by `collect` instead of this host")
    bundle.add_argument("--force", action="store_true", help="replace FILE if it exists")
    bundle.add_argument("logs", nargs="*", metavar="LOG", help="logs or pasted text to diagnose and include")


def _add_results(sub) -> None:
    results = sub.add_parser("results", help="the latest bench and eval run of each service against the "
                             "previous one and its baseline")
    results.add_argument("dir", nargs="?", default="ascend-doctor-results",
                         help="the results folder (ascend-doctor-results)")
    results.add_argument("--json", action="store_true", help="print the comparison as JSON (ascend-doctor-results/1)")


def _add_check_options(p: argparse.ArgumentParser) -> None:
    """What `check` and `watch` share besides the target: the deployment and what to ignore."""
    p.add_argument("--snapshot", metavar="DIR", help="check a snapshot written by `collect` instead of this host")
    p.add_argument("--evidence", metavar="FILE", help="check what the fleet collector printed (a file, or - for "
                   "standard input) instead of this host")
    p.add_argument("--tp", type=positive_int, help="tensor-parallel size of the deployment (1, or the recipe's)")
    p.add_argument("--recipe", help="the recipe the deployment runs (`ascend-doctor list-recipes`); sets --tp")
    p.add_argument("--image", help="the vllm-ascend image tag the deployment will run")
    p.add_argument("--own-service", action="append", default=[], metavar="NAME",
                   help="a service this deployment runs itself: chips its containers (label "
                        "ascend-doctor.service=NAME) hold are not in use by others (repeatable)")
    p.add_argument("--ignore", action="append", default=[], metavar="CODE",
                   help="report this check's FAIL or ERROR as a WARN (repeatable, comma-separated, or `all`)")


def _add_monitoring(sub) -> None:
    from doctor.commands.npd_status import CONDITIONS

    watch = sub.add_parser("watch", help="check this host every --interval seconds, keeping a cached report "
                           "and a metrics file (the Kubernetes DaemonSet runs this)")
    _add_target_args(watch)
    _add_check_options(watch)
    watch.add_argument("--interval", type=positive_seconds, default=300.0,
                       help="seconds from the start of one run to the next (300)")
    watch.add_argument("--cache", required=True, metavar="FILE", help="the report (check --json) to keep, "
                       "replaced whole after each run; npd-status reads it")
    _add_metrics_args(watch)
    watch.add_argument("--once", action="store_true", help="one run, then exit with its status")

    npd = sub.add_parser("npd-status", help="node-problem-detector plugin: answer from the cached report "
                         "(exit 0 OK, 1 problem, 2 unknown; one line of at most 80 bytes)")
    npd.add_argument("--cache", required=True, metavar="FILE", help="the report `watch --cache` keeps")
    npd.add_argument("--condition", required=True, choices=list(CONDITIONS),
                     help="which problem to answer for")
    npd.add_argument("--max-age", type=positive_seconds, default=900.0,
                     help="seconds after which the cache is stale and the answer unknown (900: 3 x the "
                          "watch interval)")


def percentage(text: str) -> float:
    value = _ascii_float(text)
    if not 0 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"'{_shown(text)}' is not a percentage from 0 to 1000")
    return value


def _add_bench(sub) -> None:
    bench = sub.add_parser("bench", help="measure a vLLM service with vLLM's own serving benchmark, gate on a baseline")
    bench.add_argument("--url", help="the service, e.g. http://127.0.0.1:8000")
    bench.add_argument("--model", help="the served model name")
    runner = bench.add_mutually_exclusive_group()
    runner.add_argument("--container", metavar="NAME", help="run the benchmark in the service's container (docker exec)")
    runner.add_argument("--python", metavar="PY", help="run the benchmark with this Python, which has vLLM")
    bench.add_argument("--container-url", metavar="URL",
                       help="the service's URL inside the container (default: found from its published ports)")
    bench.add_argument("--tokenizer", metavar="PATH", help="the tokenizer (default: the model path /v1/models reports)")
    bench.add_argument("--dataset", nargs="+", metavar="NAME", help="`random` (default) or `sharegpt FILE`")
    bench.add_argument("--input-len", type=int, metavar="N", help="prompt tokens, random dataset (1024)")
    bench.add_argument("--output-len", type=int, metavar="N", help="tokens generated per request (128)")
    bench.add_argument("--num-prompts", type=int, metavar="N", help="requests per concurrency level (100)")
    bench.add_argument("--concurrency", metavar="LIST", help="requests in flight, one run per level: 1,4,16 (1)")
    bench.add_argument("--request-rate", metavar="R", help="requests per second, or inf (default: all at once)")
    bench.add_argument("--baseline", metavar="FILE", help="an earlier bench.json, or a JSON object of figures")
    bench.add_argument("--max-regression", type=percentage, default=10.0, metavar="PCT",
                       help="how much worse than the baseline a figure may be, in percent (10)")
    bench.add_argument("--out", metavar="DIR", help="the results folder "
                       "(default ./ascend-doctor-results/MODEL/UTC-TIME)")
    bench.add_argument("--force", action="store_true", help="write into DIR even if it holds a bench.json")
    bench.add_argument("--result-file", action="append", metavar="RAW.json",
                       help="read a result vLLM's benchmark wrote instead of running it (repeatable: one per level)")
    bench.add_argument("--timeout", type=positive_seconds, default=3600.0,
                       help="seconds each benchmark run (one level) may take (3600)")
    bench.add_argument("--json", action="store_true", help="print bench.json (ascend-doctor-bench/1) instead of the table")


def whole_number(text: str) -> int:
    """0 or more (--num-fewshot 0 is a real choice)."""
    value = _ascii_int(text)
    if value is None or value > MAX_COUNT:
        raise argparse.ArgumentTypeError(f"'{_shown(text)}' is not a whole number from 0 to {MAX_COUNT}")
    return value


def sample_limit(text: str) -> int:
    value = _ascii_int(text)
    if value is None or not 1 <= value <= 10**9:
        raise argparse.ArgumentTypeError(f"'{_shown(text)}' is not a number of samples from 1 up")
    return value


def fraction(text: str) -> float:
    value = _ascii_float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"'{_shown(text)}' is not a relative tolerance from 0 up to 1 (0.05 is 5 %)")
    return value


def _add_eval(sub) -> None:
    ev = sub.add_parser("eval", help="run lm-eval against the service and gate on a baseline "
                        "(pip install 'ascend-doctor[eval]')")
    ev.add_argument("--url", required=True, help="the service, e.g. http://127.0.0.1:8000")
    ev.add_argument("--model", help="the served model name (default: the recipe's)")
    ev.add_argument("--task", help="an lm-eval generate_until task, e.g. gsm8k, or adoc_arith (bundled, offline)")
    ev.add_argument("--include-path", metavar="DIR", help="a folder of your own lm-eval task files")
    ev.add_argument("--limit", type=sample_limit, metavar="N", help="only the first N samples (a quick look)")
    ev.add_argument("--num-fewshot", type=whole_number, metavar="N", help="examples in each prompt")
    ev.add_argument("--concurrency", type=positive_int, default=1, metavar="N", help="requests at once (1)")
    ev.add_argument("--recipe", help="take the task, metric and baseline published for the recipe's model")
    ev.add_argument("--baseline", metavar="VALUE|FILE", help="a figure, an earlier eval.json, or "
                    '{"task", "metric", "value", "tolerance"} to gate on')
    ev.add_argument("--metric", help="which figure to report and gate, e.g. exact_match,strict-match")
    ev.add_argument("--tolerance", type=fraction, metavar="REL", help="relative loss allowed (0.05)")
    ev.add_argument("--out", metavar="DIR", help="where to write eval.json and lm-eval's output "
                    "(./ascend-doctor-results/MODEL/TIME)")
    ev.add_argument("--force", action="store_true", help="replace a run already written to --out")
    ev.add_argument("--timeout", type=positive_seconds, default=4 * 3600.0,
                    help="seconds lm-eval may run before it is stopped (14400)")
    ev.add_argument("--offline", action="store_true", help="keep lm-eval off the dataset and model hubs "
                    "(implied for the bundled tasks)")
    ev.add_argument("--log-samples", action="store_true", help="keep every prompt and answer under --out")
    ev.add_argument("--lm-eval-python", metavar="PY", help="the Python that has lm_eval (this one)")
    ev.add_argument("--api-key-env", metavar="VAR", help="the environment variable holding the API key")
    ev.add_argument("--api-key-file", metavar="FILE",
                    help="a file holding the API key (its first line, or a VLLM_API_KEY= line)")
    ev.add_argument("--json", action="store_true", help="print eval.json's document (ascend-doctor-eval/1)")


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="ascend-doctor", description="Checks an Ascend NPU host for vLLM.")
    parser.add_argument("--version", action="version", version=f"ascend-doctor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="inspect the host (or a snapshot) and report what is wrong")
    _add_target_args(check)
    _add_check_options(check)
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.add_argument("-v", "--verbose", action="store_true", help="show the evidence of passing checks too")
    _add_metrics_args(check)

    collect = sub.add_parser("collect", help="write the raw evidence to a directory, for offline checking")
    _add_target_args(collect)
    collect.add_argument("-o", "--output", required=True, metavar="DIR", help="the snapshot directory to write")
    collect.add_argument("--force", action="store_true", help="replace DIR if it is not empty")

    _add_parse(sub)
    _add_diagnose(sub)
    _add_bundle(sub)

    smoke = sub.add_parser("smoke", help="prove a vLLM service answers: /health, /v1/models, a chat completion")
    smoke.add_argument("--url", required=True, help="the service, e.g. http://127.0.0.1:8000")
    smoke.add_argument("--model", required=True, help="the served model name")
    smoke.add_argument("--modality", choices=["text", "vision", "audio"], default="text",
                       help="send text, an image of a random word, or a short sound (text)")
    smoke.add_argument("--expect-word", action="store_true",
                       help="vision: fail unless the answer names the word in the image (a real model)")
    smoke.add_argument("--wait", type=positive_seconds, default=600.0, help="seconds to wait for /health (600)")
    smoke.add_argument("--request-timeout", type=positive_seconds, default=120.0,
                       help="seconds each of /v1/models and the chat completion may take, all told (120)")
    smoke.add_argument("--api-key-env", metavar="VAR", help="the environment variable holding the API key")
    smoke.add_argument("--api-key-file", metavar="FILE",
                       help="a file holding the API key (its first line, or a VLLM_API_KEY= line)")
    smoke.add_argument("--json", action="store_true")

    _add_bench(sub)
    _add_eval(sub)
    _add_fleet(sub)
    _add_monitoring(sub)
    _add_results(sub)

    sub.add_parser("list-recipes", help="list the deployment recipes")
    listing = sub.add_parser("list-checks", help="list every check code")
    listing.add_argument("--json", action="store_true")
    explain = sub.add_parser("explain", help="print the runbook page of a check")
    explain.add_argument("code", help="a check code such as DEV003, or its name")
    return parser


def main(argv: list[str] | None = None, runtime: Runtime | None = None) -> int:
    runtime = runtime or Runtime()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on errors, 0 on --help/--version
        return int(exc.code or 0)
    if not args.command:
        parser.print_help(runtime.stderr)
        return ExitStatus.USAGE
    from doctor import commands

    try:
        return int(commands.command(args.command)(args, runtime))
    except UsageError as exc:
        runtime.log(f"error: {exc}")
        return ExitStatus.USAGE
    except KeyboardInterrupt:
        runtime.log("interrupted")
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`ascend-doctor check | head -1`): stop quietly, with the verdict.
        _silence_stdout()
        return runtime.decided if runtime.decided is not None else ExitStatus.OK


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush cannot fail again."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):
        pass


def entry() -> None:
    try:
        code = main(sys.argv[1:])
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        code = ExitStatus.OK
    except KeyboardInterrupt:   # between commands' own handlers, e.g. while Python imports
        code = ExitStatus.INTERRUPTED
    sys.exit(code)
