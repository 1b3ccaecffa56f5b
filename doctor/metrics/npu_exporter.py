"""NPU Exporter's custom metrics file: what its `-textMetricsFilePath` option reads (MindCluster 7.x).

Format and limits from MindCluster's docs/en/scheduling/api/npu_exporter/03_custom_metrics_file.md
and the reader, component/npu-exporter/plugins/collector_for_text_file.go (github.com/Ascend/mind-cluster,
commit 22bb3d98, 2026-08-21):

- JSON: `version` "1.0", `name` (non-empty, at most 128), `desc` (non-empty, at most 1024), `timestamp`
  (microseconds, > 0), `data_list` (1 to 128 items of `value` float and `label`, a map of strings to
  strings with at most 10 entries). One metric per file; its label names come from the first item.
- At most 100 KiB (the reader reads 100 * 1024 bytes and fails on the rest).
- name, desc and version must not change while the exporter runs; a batch that breaks a rule is
  ignored and the cached data reported.
- Not a symbolic link (nor under one); no execute permission (mode & 0111 == 0); owned by the
  exporter's own uid (the reader) and group (the doc). Its DaemonSet runs it as uid and gid 0.

The label names must also be Prometheus label names: the reader passes them to prometheus.NewDesc.
The docs give no limit on a label value's length; this writer shortens values past LABEL_VALUE_LIMIT
(its own bound) so that one hostile value cannot push every other item out of the 100 KiB.
"""

from __future__ import annotations

import json
import os

from doctor.metrics.samples import CHECK_STATUS, Family, Sample
from doctor.metrics.textfile import LABEL_NAME, valid_utf8

VERSION = "1.0"
SIZE_LIMIT = 100 * 1024
MAX_ITEMS = 128
MAX_LABELS = 10
MAX_NAME = 128
MAX_DESC = 1024
LABEL_VALUE_LIMIT = 512
EXPORTER_UID = EXPORTER_GID = 0          # npu-exporter.yaml: runAsUser: 0, runAsGroup: 0
NO_EXECUTE = 0o111


class MetricsFileError(Exception):
    """What cannot be written within the exporter's rules."""


def render(family: Family, now: float, warn) -> str:
    """The file's text for `family` (ascend_doctor_check_status), trimmed to the limits with a
    warning per trim: the worst results are kept first."""
    if not family.samples:
        raise MetricsFileError("no check results to write: NPU Exporter refuses an empty data_list")
    items = [_item(s, warn) for s in sorted(family.samples, key=lambda s: -s.value)]
    if len(items) > MAX_ITEMS:
        warn(f"{len(items)} check results are more than NPU Exporter's {MAX_ITEMS} per file; "
             f"kept the {MAX_ITEMS} worst")
        items = items[:MAX_ITEMS]
    return _fit(_document(family, now, items), warn)


def _item(sample: Sample, warn) -> dict:
    labels = dict(sample.labels)
    if len(labels) > MAX_LABELS:
        raise MetricsFileError(f"{len(labels)} labels are more than NPU Exporter's {MAX_LABELS}")
    for key, text in labels.items():
        if len(text) > LABEL_VALUE_LIMIT:
            warn(f"label {key} has {len(text)} characters; shortened to {LABEL_VALUE_LIMIT}")
            labels[key] = text[:LABEL_VALUE_LIMIT]
    return {"value": sample.value, "label": {k: valid_utf8(v) for k, v in labels.items()}}


def _document(family: Family, now: float, items: list[dict]) -> dict:
    return {"version": VERSION, "name": family.name, "desc": family.help,
            "timestamp": max(1, int(now * 1_000_000)), "data_list": items}


def _fit(document: dict, warn) -> str:
    text = encode(document)
    if len(text) <= SIZE_LIMIT:
        return text
    items = document["data_list"]
    low, high = 1, len(items)          # the most items that fit: text size grows with the count
    while low < high:
        middle = (low + high + 1) // 2
        if len(encode({**document, "data_list": items[:middle]})) <= SIZE_LIMIT:
            low = middle
        else:
            high = middle - 1
    text = encode({**document, "data_list": items[:low]})
    if len(text) > SIZE_LIMIT:
        raise MetricsFileError(f"even one check result is more than NPU Exporter's {SIZE_LIMIT // 1024} KiB")
    warn(f"the file would be larger than NPU Exporter's {SIZE_LIMIT // 1024} KiB; kept the {low} worst "
         f"of {len(items)} check results")
    return text


def encode(document: dict) -> str:
    return json.dumps(document, separators=(",", ":"))


def problems(text: str) -> list[str]:
    """Each rule of the exporter's reader that `text` breaks (none for a file it accepts)."""
    if len(text.encode("utf-8")) > SIZE_LIMIT:
        return [f"larger than {SIZE_LIMIT} bytes"]
    try:
        document = json.loads(text)
    except ValueError as exc:
        return [f"not JSON: {exc}"]
    if not isinstance(document, dict):
        return ["not a JSON object"]
    return _field_problems(document) + _data_problems(document.get("data_list"))


def _field_problems(document: dict) -> list[str]:
    found = []
    if document.get("version") != VERSION:
        found.append(f"version is not {VERSION}")
    for key, limit in (("name", MAX_NAME), ("desc", MAX_DESC)):
        value = document.get(key)
        if not isinstance(value, str) or not value or len(value) > limit:
            found.append(f"{key} is not a string of 1 to {limit} characters")
    stamp = document.get("timestamp")
    if not isinstance(stamp, int) or isinstance(stamp, bool) or stamp <= 0:
        found.append("timestamp is not a positive whole number of microseconds")
    return found


def _data_problems(items) -> list[str]:
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
        return [f"data_list is not a list of 1 to {MAX_ITEMS} items"]
    found = []
    for index, item in enumerate(items):
        label = item.get("label") if isinstance(item, dict) else None
        value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            found.append(f"data_list[{index}].value is not a number")
        if not isinstance(label, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                  for k, v in label.items()):
            found.append(f"data_list[{index}].label is not a map of strings")
        elif index == 0 and (len(label) > MAX_LABELS or not all(LABEL_NAME.match(k) for k in label)):
            found.append(f"data_list[0].label has more than {MAX_LABELS} labels or a name Prometheus refuses")
    return found


def file_problems(path: str, uid: int = EXPORTER_UID, gid: int = EXPORTER_GID) -> list[str]:
    """What about the file itself makes the exporter refuse it: a link, an execute bit, its owner."""
    absolute = os.path.abspath(path)
    if os.path.realpath(absolute) != absolute:
        return [f"{path} is a symbolic link or under one"]
    info = os.stat(absolute)
    found = []
    if info.st_mode & NO_EXECUTE:
        found.append(f"{path} has an execute permission ({oct(info.st_mode & 0o777)})")
    if info.st_uid != uid or info.st_gid != gid:
        found.append(f"{path} is owned by {info.st_uid}:{info.st_gid}, not the exporter's {uid}:{gid}")
    return found


def check_status_family(families: list[Family]) -> Family:
    return next(f for f in families if f.name == CHECK_STATUS)

