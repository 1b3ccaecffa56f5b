"""The Prometheus text exposition format, as node_exporter's textfile collector reads it.

Format: https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
(`# HELP` and `# TYPE` lines; in HELP text `\\` and newline are escaped, in label values also `"`).
The textfile collector reads `*.prom` files in its `--collector.textfile.directory` and refuses
samples with timestamps (node_exporter README, "Textfile Collector"), so none are written.
"""

from __future__ import annotations

import math
import re

from doctor.metrics.samples import Family

METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")


SURROGATE = re.compile("[\ud800-\udfff]")


def valid_utf8(text: str) -> str:
    """A snapshot's text may hold lone surrogates, which UTF-8 cannot carry: shown as U+FFFD."""
    return SURROGATE.sub("\ufffd", text)


def escape_help(text: str) -> str:
    return valid_utf8(text).replace("\\", "\\\\").replace("\n", "\\n")


def escape_label_value(text: str) -> str:
    return valid_utf8(text).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def format_value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def sample_line(name: str, labels: tuple[tuple[str, str], ...], value: float) -> str:
    if not labels:
        return f"{name} {format_value(value)}"
    for key, _ in labels:
        if not LABEL_NAME.match(key) or key.startswith("__"):
            raise ValueError(f"invalid label name {key!r}")
    inner = ",".join(f'{key}="{escape_label_value(text)}"' for key, text in labels)
    return f"{name}{{{inner}}} {format_value(value)}"


def render(families: list[Family]) -> str:
    lines: list[str] = []
    for family in families:
        if not METRIC_NAME.match(family.name):
            raise ValueError(f"invalid metric name {family.name!r}")
        lines.append(f"# HELP {family.name} {escape_help(family.help)}")
        lines.append(f"# TYPE {family.name} {family.type}")
        lines.extend(sample_line(family.name, s.labels, s.value) for s in family.samples)
    return "\n".join(lines) + "\n"
