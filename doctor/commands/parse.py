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
from doctor.parsers import npu_smi_info
from doctor.parsers.errors import ParseError
from doctor.parsers.text import decode
from doctor.printable import printable_line
from doctor.runtime import Runtime

# A real table is a few KiB; 8 MiB of real rows are about 85,000 lines. The line limit bounds
# what any shape of line can cost (each process row becomes a record): at both limits a run
# stays under about 60 MB and a few seconds (bench/parse_scaling.py).
INPUT_LIMIT = 8 * 1024 * 1024
LINE_LIMIT = 100_000
SHOWN_CHARS = 200   # of an input line or file name quoted on stderr


def _shown(text: str) -> str:
    return printable_line(text[:SHOWN_CHARS]) + ("..." if len(text) > SHOWN_CHARS else "")


def _input_name(name: str) -> str:
    return "standard input" if name == "-" else _shown(name)


def _too_large(name: str, what: str) -> UsageError:
    return UsageError(f"{_input_name(name)} has more than {what}, so it is not an npu-smi info output "
                      "(a whole table is a few KiB); not parsed")


def read_input(name: str, runtime: Runtime) -> bytes | str:
    try:
        return _read_stdin(runtime) if name == "-" else bounded.read_file(name, INPUT_LIMIT)
    except bounded.ReadRefused as exc:
        raise UsageError(printable_line(str(exc))) from None
    except bounded.TooLarge:
        raise _too_large(name, bounded.human_size(INPUT_LIMIT)) from None
    except OSError as exc:
        raise UsageError(f"cannot read {_input_name(name)}: {exc.strerror or exc}") from None


def _read_stdin(runtime: Runtime) -> bytes | str:
    if runtime.stdin is None:
        raise UsageError("standard input is closed: name a FILE, or pipe npu-smi info into -")
    stream = getattr(runtime.stdin, "buffer", None)
    if stream is not None:
        return bounded.read_stream(stream, INPUT_LIMIT)
    text = runtime.stdin.read(INPUT_LIMIT + 1)   # a text-only stream: counted in characters
    if len(text) > INPUT_LIMIT:
        raise bounded.TooLarge(INPUT_LIMIT)
    return text


def _parse(name: str, runtime: Runtime) -> npu_smi_info.NpuSmiInfo:
    # Decoded here, so the raw bytes are dropped before the table is read.
    text = decode(read_input(name, runtime))
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
        runtime.log(f"not a readable npu-smi info output: {_shown(exc.reason)}")
        return ExitStatus.UNDECIDED
    status = runtime.decide(ExitStatus.FAILED if info.error is not None else ExitStatus.OK)
    _print_json(npu_smi_info.to_schema(info), runtime)
    if info.error is not None:
        runtime.log(f"npu-smi reported an error: {_shown(info.error.text)}")
    return status
