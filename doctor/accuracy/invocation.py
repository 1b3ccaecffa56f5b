"""The lm-eval command line and environment for one run against a service's chat endpoint.

Chat completions return text, not log-probabilities, so only `generate_until` tasks can run.
The API key travels in OPENAI_API_KEY, which lm-eval's OpenAI-style models read (0.4.13,
lm_eval/models/openai_completions.py); a command line would show it to anyone running `ps`.
"""

from __future__ import annotations

from dataclasses import dataclass

API_KEY_VARIABLE = "OPENAI_API_KEY"
# The dataset and model hubs: set, the libraries lm-eval uses never reach for the network.
OFFLINE_VARIABLES = {"HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
MAX_RETRIES = 3


@dataclass(frozen=True)
class Invocation:
    python: str                     # the interpreter that has lm_eval
    url: str                        # the service, e.g. http://127.0.0.1:8000
    model: str                      # the served model name
    task: str
    output_path: str                # lm-eval writes results_<time>.json under <this>/<model>/
    include_path: str | None = None
    limit: int | None = None
    num_fewshot: int | None = None
    concurrency: int = 1
    apply_chat_template: bool = True
    log_samples: bool = False

    def chat_url(self) -> str:
        return self.url.rstrip("/") + "/v1/chat/completions"


def model_args(run: Invocation) -> str:
    """`key=value,...` as lm-eval's --model_args reads it (a comma inside a value would split it)."""
    args = {"model": run.model, "base_url": run.chat_url(), "num_concurrent": run.concurrency,
            "max_retries": MAX_RETRIES, "tokenized_requests": False}
    return ",".join(f"{key}={value}" for key, value in args.items())


def argv(run: Invocation) -> list[str]:
    command = [run.python, "-m", "lm_eval", "run", "--model", "local-chat-completions",
               "--model_args", model_args(run), "--tasks", run.task, "--output_path", run.output_path]
    if run.apply_chat_template:
        command.append("--apply_chat_template")
    if run.include_path:
        command += ["--include_path", run.include_path]
    if run.limit is not None:
        command += ["--limit", str(run.limit)]
    if run.num_fewshot is not None:
        command += ["--num_fewshot", str(run.num_fewshot)]
    if run.log_samples:
        command.append("--log_samples")
    return command


def environment(environ: dict[str, str], api_key: str | None, offline: bool) -> dict[str, str]:
    """The child's environment: ours, with the key we were given (or none: not one left lying around
    in ours), and the hubs closed when the task is local."""
    env = {k: v for k, v in environ.items() if k != API_KEY_VARIABLE}
    if api_key:
        env[API_KEY_VARIABLE] = api_key
    if offline:
        env.update(OFFLINE_VARIABLES)
    env.setdefault("PYTHONUNBUFFERED", "1")     # the log shows how far it got when it dies
    return env
