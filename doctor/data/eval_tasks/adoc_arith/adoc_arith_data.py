"""The adoc_arith questions as a datasets.DatasetDict, read from the JSONL beside this file.

lm-eval imports this module (the task's `custom_dataset`); no dataset hub is asked for anything.
"""

import json
from pathlib import Path

QUESTIONS = Path(__file__).with_name("adoc_arith.jsonl")


def load(**_task_metadata):
    import datasets

    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(rows)})
