"""Why an lm-eval run failed, in one line, from the end of its log (lm-eval 0.4.13's own words)."""

from __future__ import annotations

import re
from dataclasses import dataclass

PIP_LINE = "pip install 'ascend-doctor[eval]'"

_MISSING_TASK = re.compile(r"^\w*Error: Tasks not found: (.+)$", re.M)     # the exception, not its source line
_LOST = "lm-eval lost the service at {url}: "
# (what the log says, what we say, whether the user's input is at fault: exit 2 rather than 3)
_RULES = (
    # lm_eval/models/openai_completions.py, LocalChatCompletion.loglikelihood
    ("Loglikelihood is not supported for chat completions",
     "task {task} scores answers by their log-probabilities (a loglikelihood or multiple_choice task); "
     "a chat endpoint returns only text, so only generate_until tasks can run against it", True),
    ("No module named lm_eval", f"lm_eval is not installed in the Python that runs it: {PIP_LINE}", True),
    ("No module named 'lm_eval'", f"lm_eval is not installed in the Python that runs it: {PIP_LINE}", True),
    # requests (one request at a time) and aiohttp (concurrent) name a lost connection these ways
    ("Connection refused", _LOST + "connection refused (did the server stop?)", False),
    ("ClientConnectorError", _LOST + "it could not connect (did the server stop?)", False),
    ("ServerDisconnectedError", _LOST + "the server closed the connection", False),
    ("RemoteDisconnected", _LOST + "the server closed the connection", False),
    ("Max retries exceeded", "lm-eval gave up on the service at {url} after retrying", False),
)


@dataclass(frozen=True)
class Failure:
    message: str
    bad_input: bool = False     # the task or the install the user chose, not the service
    known: bool = True          # recognised: the message says it all, no need to quote the log


def reason(tail: list[str], returncode: int | None, task: str, url: str) -> Failure:
    """Why lm-eval exited `returncode`, given its log's last lines."""
    text = "\n".join(tail)
    missing = _MISSING_TASK.search(text)
    if missing:
        return Failure(f"lm-eval knows no task {missing.group(1).strip()} (`lm-eval ls tasks` lists them; "
                       "--include-path DIR adds a folder of task files)", True)
    for needle, message, bad_input in _RULES:
        if needle in text:
            return Failure(message.format(task=task, url=url), bad_input)
    last = tail[-1] if tail else "(it printed nothing)"
    return Failure(f"lm-eval exited with status {returncode}: {last}", known=False)
