"""`ascend-doctor parse npu-smi-info [FILE|-]`: npu-smi's table as JSON (schema npu-smi-info/1)."""

from __future__ import annotations

import json

from doctor.errors import UsageError
from doctor.exit_codes import ExitStatus
from doctor.parsers import npu_smi_info
from doctor.parsers.errors import ParseError
from doctor.parsers.text import decode
from doctor.runtime import Runtime


def read_input(name: str, runtime: Runtime) -> bytes | str:
    if name == "-":
        stream = getattr(runtime.stdin, "buffer", None)
        return stream.read() if stream is not None else runtime.stdin.read()
    try:
        with open(name, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise UsageError(f"cannot read {name}: {exc.strerror}") from exc


def run(args, runtime: Runtime) -> int:
    raw = read_input(args.file, runtime)
    try:
        info = npu_smi_info.parse(decode(raw))
    except ParseError as exc:
        print(json.dumps(npu_smi_info.error_schema(exc), indent=2), file=runtime.stdout)
        runtime.log(f"not a readable npu-smi info output: {exc.reason}")
        return ExitStatus.UNDECIDED
    print(json.dumps(npu_smi_info.to_schema(info), indent=2), file=runtime.stdout)
    if info.error is not None:
        runtime.log(f"npu-smi reported an error: {info.error.text}")
        return ExitStatus.FAILED
    return ExitStatus.OK
