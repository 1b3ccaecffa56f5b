"""Parses arguments and dispatches to one command; nothing else."""

from __future__ import annotations

import argparse
import sys

from doctor import __version__
from doctor.errors import UsageError
from doctor.exit_codes import ExitStatus
from doctor.runtime import Runtime


def device_list(text: str) -> tuple[int, ...]:
    """'0,1' or '0-3' or '0,2-3' -> (0, 1, ...)."""
    devices: list[int] = []
    try:
        for part in filter(None, (p.strip() for p in text.split(","))):
            low, _, high = part.partition("-")
            devices += range(int(low), int(high) + 1) if high else [int(low)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a device list like 0,1 or 0-3") from None
    if not devices or min(devices) < 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a device list like 0,1 or 0-3")
    if len(set(devices)) != len(devices):
        raise argparse.ArgumentTypeError(f"'{text}' names a device twice")
    return tuple(devices)


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of 1 or more")
    return int(text)


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1
    if value <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds above 0")
    return value


def _add_target_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--root", default="/", help="inspect a host file system mounted here (e.g. /host)")
    p.add_argument("--devices", type=device_list, help="the NPUs the deployment will use, e.g. 0,1 or 0-3")
    p.add_argument("--python", help="a Python interpreter whose packages to check (the one that runs vLLM)")
    p.add_argument("--timeout", type=positive_seconds, default=10.0, help="seconds each probe may take (10)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ascend-doctor", description="Checks an Ascend NPU host for vLLM.")
    parser.add_argument("--version", action="version", version=f"ascend-doctor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="inspect the host (or a snapshot) and report what is wrong")
    _add_target_args(check)
    check.add_argument("--snapshot", metavar="DIR", help="check a snapshot written by `collect` instead of this host")
    check.add_argument("--tp", type=positive_int, help="tensor-parallel size of the deployment (1, or the recipe's)")
    check.add_argument("--recipe", help="the recipe the deployment runs (`ascend-doctor list-recipes`); sets --tp")
    check.add_argument("--image", help="the vllm-ascend image tag the deployment will run")
    check.add_argument("--ignore", action="append", default=[], metavar="CODE",
                       help="report this check's FAIL as a WARN (repeatable, or comma-separated)")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.add_argument("-v", "--verbose", action="store_true", help="show the evidence of passing checks too")

    collect = sub.add_parser("collect", help="write the raw evidence to a directory, for offline checking")
    _add_target_args(collect)
    collect.add_argument("-o", "--output", required=True, metavar="DIR", help="the snapshot directory to write")
    collect.add_argument("--force", action="store_true", help="replace DIR if it is not empty")

    parse = sub.add_parser("parse", help="turn a command's output into JSON")
    parse.add_argument("kind", choices=["npu-smi-info"], help="which output it is")
    parse.add_argument("file", nargs="?", default="-", help="a file, or - for standard input (default)")

    smoke = sub.add_parser("smoke", help="prove a vLLM service answers: /health, /v1/models, a chat completion")
    smoke.add_argument("--url", required=True, help="the service, e.g. http://127.0.0.1:8000")
    smoke.add_argument("--model", required=True, help="the served model name")
    smoke.add_argument("--modality", choices=["text", "vision", "audio"], default="text",
                       help="send text, an image of a random word, or a short sound (text)")
    smoke.add_argument("--expect-word", action="store_true",
                       help="vision: fail unless the answer names the word in the image (a real model)")
    smoke.add_argument("--wait", type=positive_seconds, default=600.0, help="seconds to wait for /health (600)")
    smoke.add_argument("--api-key-env", metavar="VAR", help="the environment variable holding the API key")
    smoke.add_argument("--json", action="store_true")

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


def entry() -> None:
    try:
        code = main(sys.argv[1:])
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`ascend-doctor ... | head`): stop quietly, as other tools do.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = ExitStatus.OK
    sys.exit(code)
