"""`--metrics-file PATH [--metrics-format textfile|npu-exporter]`: pick the format, render, write."""

from __future__ import annotations

import os
import time

from doctor.errors import UsageError

TEXTFILE, NPU_EXPORTER = "textfile", "npu-exporter"
FORMATS = (TEXTFILE, NPU_EXPORTER)
EXTENSIONS = {".prom": TEXTFILE, ".json": NPU_EXPORTER}


def format_of(path: str, asked: str | None) -> str:
    """The format for PATH: the one asked for, else the extension's. node_exporter reads only
    *.prom files, so a textfile elsewhere (or an exporter file named .prom) is a mistake."""
    extension = os.path.splitext(path)[1].lower()
    implied = EXTENSIONS.get(extension)
    chosen = asked or implied
    if chosen is None:
        raise UsageError(f"--metrics-file {path}: name it .prom (node_exporter textfile) or .json "
                         f"(NPU Exporter), or give --metrics-format {'|'.join(FORMATS)}")
    if chosen == TEXTFILE and extension != ".prom":
        raise UsageError(f"--metrics-format textfile needs a .prom file: node_exporter's textfile "
                         f"collector reads only *.prom ({path})")
    if chosen == NPU_EXPORTER and extension == ".prom":
        raise UsageError(f"--metrics-format npu-exporter writes JSON; {path} would be read by node_exporter "
                         "as a textfile (name it .json)")
    return chosen


def check_target(path: str, option: str = "--metrics-file") -> None:
    """Refuse early what cannot be written at all, before the probes run."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UsageError(f"{option} {path}: the directory {directory} does not exist")
    if os.path.isdir(path):
        raise UsageError(f"{option} {path} is a directory; give a file name in it")


def write_metrics(path: str, chosen: str, runs, runtime, fleet_findings=(), fleet: bool = False) -> None:
    from doctor.atomic_file import write_atomically
    from doctor.metrics import samples

    families = samples.families(runs, time.time(), fleet_findings, fleet)
    text = _render(chosen, families, runtime)
    try:
        write_atomically(path, text, mode=0o644)
    except OSError as exc:
        raise UsageError(f"cannot write the metrics file {path}: {exc.strerror or exc}") from exc
    if chosen == NPU_EXPORTER:
        _warn_ownership(path, runtime)


def _render(chosen: str, families, runtime) -> str:
    if chosen == TEXTFILE:
        from doctor.metrics import textfile

        return textfile.render(families)
    from doctor.metrics import npu_exporter

    try:
        return npu_exporter.render(npu_exporter.check_status_family(families), time.time(),
                                   lambda message: runtime.log(f"warning: {message}"))
    except npu_exporter.MetricsFileError as exc:
        raise UsageError(f"cannot write the metrics file {path_hint(chosen)}: {exc}") from exc


def path_hint(chosen: str) -> str:
    return "for NPU Exporter" if chosen == NPU_EXPORTER else "for node_exporter"


def _warn_ownership(path: str, runtime) -> None:
    from doctor.metrics import npu_exporter

    for problem in npu_exporter.file_problems(path):
        runtime.log(f"warning: NPU Exporter will refuse it: {problem} (write it as root, as the exporter runs)")
