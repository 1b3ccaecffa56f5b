"""`ascend-doctor smoke --url URL --model NAME`: prove a vLLM service answers."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from doctor.errors import UsageError
from doctor.exit_codes import ExitStatus
from doctor.model import FAIL, PASS
from doctor.printable import printable_line
from doctor.redact import REDACTED
from doctor.runtime import Runtime
from doctor.smoke.run import Smoke, run as run_smoke

_USERINFO = re.compile(r"//[^/?#]*@")


def checked_url(url: str) -> str:
    """`url` if the smoke test can use it; UsageError saying what is wrong otherwise."""
    shown = repr(_USERINFO.sub(f"//{REDACTED}@", url, count=1))    # never echo a password
    if any(c.isspace() or not c.isprintable() for c in url):
        raise UsageError(f"--url {shown} holds whitespace or a control character")
    try:
        parts = urlsplit(url)
    except ValueError as exc:            # a broken [IPv6] host
        raise UsageError(f"--url {shown} is not a URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise UsageError(f"--url {shown} must start with http:// or https://")
    if "@" in parts.netloc:
        raise UsageError("--url must not hold a user name or password (user:password@); "
                         "put the API key in an environment variable and name it with --api-key-env")
    if not parts.hostname:
        raise UsageError(f"--url {shown} names no host")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise UsageError(f"--url {shown}: the port must be a number from 1 to 65535")
    return url


KEY_FILE_LIMIT = 4096


def api_key_from(args, runtime: Runtime) -> str | None:
    if args.api_key_env and args.api_key_file:
        raise UsageError("give --api-key-env or --api-key-file, not both")
    if args.api_key_file:
        return _checked_key(_key_in_file(args.api_key_file, runtime), f"--api-key-file {args.api_key_file}")
    if not args.api_key_env:
        return None
    api_key = runtime.environ.get(args.api_key_env)
    if not api_key:
        raise UsageError(f"--api-key-env {args.api_key_env} is not set in the environment")
    return _checked_key(api_key, f"the API key in {args.api_key_env}")


def _key_in_file(path: str, runtime: Runtime) -> str:
    """The key in a file: its first line, or the value of a VLLM_API_KEY=... line (a docker env file)."""
    from doctor.inputs import read_input

    text = read_input(path, runtime, KEY_FILE_LIMIT).decode("utf-8", "replace")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    named = [line.split("=", 1)[1] for line in lines if line.startswith("VLLM_API_KEY=")]
    if not (named or lines):
        raise UsageError(f"--api-key-file {path} is empty")
    return named[0] if named else lines[0]


def _checked_key(api_key: str, where: str) -> str:
    if not (api_key.isascii() and api_key.isprintable()) or " " in api_key:
        # It could not be sent in a header, and the error would quote it.
        raise UsageError(f"{where} holds whitespace, a control character or a non-ASCII character "
                         "(a trailing newline?)")
    return api_key


def smoke_from(args, runtime: Runtime) -> Smoke:
    from doctor.runtime import isatty
    from doctor.waiting import Waiting

    url = checked_url(args.url)
    waiting = Waiting(runtime.stderr, isatty(runtime.stderr), f"GET {url.rstrip('/')}/health", args.wait)
    return Smoke(url=url, model=args.model, modality=args.modality,
                 api_key=api_key_from(args, runtime), wait_s=args.wait, expect_word=args.expect_word,
                 request_timeout_s=args.request_timeout, waiting=waiting)


def run(args, runtime: Runtime) -> int:
    result = run_smoke(smoke_from(args, runtime))
    runtime.decide(ExitStatus.OK if result.ok else ExitStatus.FAILED)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2), file=runtime.stdout)
    else:
        for step in result.steps:
            mark = PASS if step.ok else FAIL
            detail = printable_line(step.detail)    # it quotes the server, which may send escape sequences
            print(f"{mark}  {step.name:<14} {step.seconds:7.2f} s  {detail}", file=runtime.stdout)
    return ExitStatus.OK if result.ok else ExitStatus.FAILED
