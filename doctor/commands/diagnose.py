"""`ascend-doctor diagnose [FILE ...|-]`: name the root cause from pasted logs, reports and commands."""

from __future__ import annotations

from doctor.diagnose.paste import LIMIT, PasteError, decode_paste, too_large
from doctor.errors import UsageError
from doctor.inputs import InputTooLarge, input_name, read_input
from doctor.runtime import Runtime


def read_all(names: list[str], runtime: Runtime):
    """The inputs' clean text joined, and what each was; the total is bounded by LIMIT."""
    texts, inputs = read_each(names, runtime)
    return "\n".join(texts), inputs


def read_each(names: list[str], runtime: Runtime):
    """Each input's clean text, and what each was; the total is bounded by LIMIT."""
    from doctor.diagnose.run import Input

    texts, inputs, left = [], [], LIMIT
    for name in names or ["-"]:
        if left <= 0:
            raise UsageError(too_large("the inputs together"))
        try:
            raw = read_input(name, runtime, left)
        except InputTooLarge:
            raise UsageError(too_large(input_name(name))) from None
        left -= len(raw)
        try:
            text, encoding = decode_paste(raw, input_name(name))
        except PasteError as exc:
            raise UsageError(str(exc)) from None
        texts.append(text)
        inputs.append(Input(input_name(name), encoding, len(raw)))
    return texts, inputs


def run(args, runtime: Runtime) -> int:
    from doctor.diagnose import report
    from doctor.diagnose.run import diagnose

    text, inputs = read_all(args.files, runtime)
    result = diagnose(text, inputs)
    runtime.decide(result.exit_status)
    print(report.to_json(result) if args.json else report.render(result), file=runtime.stdout)
    return result.exit_status
