"""`ascend-doctor parse KIND [FILE|-]`: a command's output, pasted or saved, as JSON.

KIND names the output; doctor/commands/parse_kinds.py is the table of them. Each prints the
document {"schema": "ascend-doctor-parse/1", "kind", "result", "error"}, but for npu-smi-info,
which keeps its own schema npu-smi-info/1 (docs/npu-smi-info.md). Input that is not the output
KIND names, or is cut off or garbled past reading, still prints the document, with the reason in
its "error", says why on stderr in one line and exits 3; npu-smi-info exits 1 on an npu-smi error
output.

The input is bounded: FILE must be a regular file (a device, FIFO or directory is refused
before it is opened), and more than INPUT_LIMIT bytes or LINE_LIMIT lines is refused as too
large to be any of these outputs. Both are usage errors (exit 2), like an unreadable FILE.
"""

from __future__ import annotations

import json

from doctor import bounded
from doctor.commands.parse_kinds import KINDS, Kind
from doctor.errors import UsageError
from doctor.exit_codes import ExitStatus
from doctor.inputs import InputTooLarge, input_name, read_input
from doctor.parsers.errors import ParseError
from doctor.parsers.text import decode
from doctor.printable import shortened
from doctor.runtime import Runtime

SCHEMA = "ascend-doctor-parse/1"

# A real npu-smi table is a few KiB; 8 MiB of real rows are about 85,000 lines. The line limit
# bounds what any shape of line can cost (each process row becomes a record): at both limits a
# run stays under about 60 MB and a few seconds (bench/parse_scaling.py).
INPUT_LIMIT = 8 * 1024 * 1024
LINE_LIMIT = 100_000


def _too_large(name: str, kind: Kind, what: str) -> UsageError:
    return UsageError(f"{input_name(name)} has more than {what}, so it is not {kind.output} "
                      "(real ones are a few KiB); not parsed")


def _read(name: str, kind: Kind, runtime: Runtime) -> bytes:
    try:
        return read_input(name, runtime, INPUT_LIMIT)
    except InputTooLarge:
        raise _too_large(name, kind, bounded.human_size(INPUT_LIMIT)) from None


def _parse(name: str, kind: Kind, runtime: Runtime) -> object:
    # Decoded here, so the raw bytes are dropped before the text is read.
    text = decode(_read(name, kind, runtime))
    if text.count("\n") > LINE_LIMIT:
        raise _too_large(name, kind, f"{LINE_LIMIT:,} lines")
    return kind.parse_function()(text)


def _document(name: str, kind: Kind, record: object) -> dict:
    if kind.own_schema:
        return kind.module_object().to_schema(record)
    return {"schema": SCHEMA, "kind": name, "result": kind.view_function()(record), "error": None}


def _error_document(name: str, kind: Kind, error: ParseError) -> dict:
    if kind.own_schema:
        return kind.module_object().error_schema(error)
    return {"schema": SCHEMA, "kind": name, "result": None, "error": {"text": error.reason}}


def _reported_error(kind: Kind, record: object) -> str | None:
    """The error the tool printed in place of its output (npu-smi's "ret is -8005"), if any."""
    return kind.module_object().reported_error(record) if kind.own_schema else None


def _print_json(doc: dict, runtime: Runtime) -> None:
    # json.dump writes piece by piece: a long process table is never one string in memory.
    json.dump(doc, runtime.stdout, indent=2)
    runtime.stdout.write("\n")


def run(args, runtime: Runtime) -> int:
    kind = KINDS[args.kind]
    try:
        record = _parse(args.file, kind, runtime)
        document = _document(args.kind, kind, record)
    except ParseError as exc:
        runtime.decide(ExitStatus.UNDECIDED)
        _print_json(_error_document(args.kind, kind, exc), runtime)
        runtime.log(f"not readable as {kind.output}: {shortened(exc.reason)}")
        return ExitStatus.UNDECIDED
    reported = _reported_error(kind, record)
    status = runtime.decide(ExitStatus.FAILED if reported is not None else ExitStatus.OK)
    _print_json(document, runtime)
    if reported is not None:
        runtime.log(shortened(reported))
    return status
