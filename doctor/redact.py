"""Keep secrets out of snapshots and reports."""

from __future__ import annotations

import re

REDACTED = "<redacted>"
_SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|APIKEY|ACCESS_KEY|CREDENTIAL|PRIVATE_KEY|AUTH)", re.I)
_SECRET_FLAG = re.compile(r"(--api-key[= ])(\S+)")
_URL_USERINFO = re.compile(r"(://[^/\s:@]+:)[^@\s/]+@")


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def redact_env(env: dict[str, str]) -> dict[str, str]:
    return {k: (REDACTED if is_secret_name(k) else redact_text(v)) for k, v in env.items()}


def redact_text(text: str) -> str:
    """Secrets that appear inline: `--api-key X`, `https://user:pass@host`."""
    text = _SECRET_FLAG.sub(lambda m: m.group(1) + REDACTED, text)
    return _URL_USERINFO.sub(lambda m: m.group(1) + REDACTED + "@", text)


def redact_argv(argv: list[str]) -> list[str]:
    """`--api-key X` as two arguments, or `--api-key=X` as one."""
    out = []
    for arg in argv:
        out.append(REDACTED if out and out[-1] == "--api-key" else redact_text(arg))
    return out


def redact_observation(obs):
    """The observation with secrets redacted in its output, stderr and argv."""
    from dataclasses import replace

    return replace(obs, output=redact_text(obs.output), stderr=redact_text(obs.stderr),
                   argv=tuple(redact_argv(list(obs.argv))))
