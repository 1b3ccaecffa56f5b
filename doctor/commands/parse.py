"""`ascend-doctor parse npu-smi-info [FILE|-]`: npu-smi's table as JSON (schema npu-smi-info/1).

The input is bounded: FILE must be a regular file (a device, FIFO or directory is refused
before it is opened), and more than INPUT_LIMIT bytes or LINE_LIMIT lines is refused as too
large to be an npu-smi output. Both are usage errors (exit 2), like an unreadable FILE.
"""

from __future__ import annotations

import json

from doctor import bounded
from doctor.errors import UsageError
from doctor.exit_codes import ExitStatus
from doctor.inputs import InputTooLarge, input_name, read_input
from doctor.parsers import npu_smi_info
from doctor.parsers.errors import ParseError
from doctor.parsers.text import decode
from doctor.printable import shortened
from doctor.runtime import Runtime

# A real table is a few KiB; 8 MiB of real rows are about 85,000 lines. The line limit bounds
# what any shape of line can cost (each process row becomes a record): at both limits a run
# stays under about 60 MB and a few seconds (bench/parse_scaling.py).
INPUT_LIMIT = 8 * 1024 * 1024
LINE_LIMIT = 100_000


def _too_large(name: str, what: str) -> UsageError:
    return UsageError(f"{input_name(name)} has more than {what}, so it is not an npu-smi info output "
                      "(a whole table is a few KiB); not parsed")


def _read(name: str, runtime: Runtime) -> bytes:
    try:
        return read_input(name, runtime, INPUT_LIMIT)
    except InputTooLarge:
        raise _too_large(name, bounded.human_size(INPUT_LIMIT)) from None


def _parse(name: str, runtime: Runtime) -> npu_smi_info.NpuSmiInfo:
    # Decoded here, so the raw bytes are dropped before the table is read.
    text = decode(_read(name, runtime))
    if text.count("\n") > LINE_LIMIT:
        raise _too_large(name, f"{LINE_LIMIT:,} lines")
    return npu_smi_info.parse(text)


def _print_json(doc: dict, runtime: Runtime) -> None:
    # json.dump writes piece by piece: a long process table is never one string in memory.
    json.dump(doc, runtime.stdout, indent=2)
    runtime.stdout.write("\n")


def run(args, runtime: Runtime) -> int:
    try:
        info = _parse(args.file, runtime)
    except ParseError as exc:
        runtime.decide(ExitStatus.UNDECIDED)
        _print_json(npu_smi_info.error_schema(exc), runtime)
        runtime.log(f"not a readable npu-smi info output: {shortened(exc.reason)}")
        return ExitStatus.UNDECIDED
    status = runtime.decide(ExitStatus.FAILED if info.error is not None else ExitStatus.OK)
    _print_json(npu_smi_info.to_schema(info), runtime)
    if info.error is not None:
        runtime.log(f"npu-smi reported an error: {shortened(info.error.text)}")
    return status
