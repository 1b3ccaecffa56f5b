"""Keep secrets out of snapshots and reports.

Secrets are found by name (HF_TOKEN, OBS_SK, `"password": ...`) and by value (`sk-...`, `hf_...`,
`--api-key X`, `Bearer X`, `https://user:pa/ss@host`). Structured data is redacted as structure:
a JSON document is parsed, redacted value by value and dumped again, so it stays valid JSON.

Every rule replaces what it finds with REDACTED and nothing it leaves behind is found again, so
redacting twice is redacting once. No rule looks past the end of a line, and only lines with a
hint of a secret in them are looked at closely. Every pattern runs in time linear in its input.
"""

from __future__ import annotations

import functools
import json
import re
import string
from dataclasses import replace

REDACTED = "<redacted>"

# A secret name has one of these in it (but not TOKENS, TOKENIZER, STOP_TOKEN_IDS, AUTHOR), or AK, SK
# or PWD as a part of its own (OBS_SK, ASCEND_OBS_AK, DB_PWD; not TASK_QUEUE_ENABLE, not PWD itself).
_SECRET_NAME = re.compile(r"token(?![a-z]|_?(?:ids?|type|count|len|limit|num|budget)\b)"
                          r"|secret|passw(?:or)?d|passphrase|credential|auth(?!or(?!i))"
                          r"|api[_-]?key|access[_-]?key|private[_-]?key"
                          r"|(?<![a-z0-9])[as]k(?![a-z0-9])|(?<=[_.-])pwd(?![a-z0-9])", re.I)

# Each rule needs one of these in the line, lower-cased; other lines are left as they are.
_HINT = (r"(?:token|secret|pass|credential|auth|key|ak|sk|pwd|bearer|basic|hf_|gh[pousr]_|github_pat"
         r"|glpat|xox|asia|eyj|://)")
_FIRST_HINT = re.compile(_HINT)
_HINTED_LINES = re.compile(rf"[^\n]*?{_HINT}[^\n]*(?:\n[^\n]*?{_HINT}[^\n]*)*")
_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

_TOKEN_HINT = re.compile(r"sk[-_]|hf_|gh[pousr]_|github_pat_|glpat-|xox|akia|asia|eyj")

# `Authorization: Bearer X`, `Basic X`.
_SCHEME = re.compile(r"\b((?:bearer|basic)[ \t]+)[A-Za-z0-9._~+/-]{8,}=*", re.I | re.A)

# Tokens whose form gives them away, wherever they are.
_TOKEN = re.compile(r"""(?<![\w-])(?:
      sk-[\w-]{20,}                         # OpenAI sk-, sk-proj-; Anthropic sk-ant-
    | sk_(?:live|test)_\w{16,}              # Stripe
    | hf_[A-Za-z0-9]{30,}                   # Hugging Face
    | gh[pousr]_[A-Za-z0-9]{30,}            # GitHub
    | github_pat_\w{30,}
    | glpat-[\w-]{20,}                      # GitLab
    | xox[abprs]-[A-Za-z0-9-]{10,}          # Slack
    | (?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])  # AWS access key id
    | eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}    # JWT
)""", re.X | re.A)

# `--hf-token X`, `--api-key=X`, `--password X`, `--obs-secret X` ... (not --max-num-batched-tokens).
_FLAG = (r"--(?:[\w-]{0,64}[-_])?(?:token|secret|passw(?:or)?d|passphrase|credentials?"
         r"|api[-_]?key|access[-_]?key|secret[-_]?key|private[-_]?key|[as]k)(?![\w-])")
_SECRET_FLAG = re.compile(_FLAG, re.I)
_FLAG_VALUE = re.compile(rf"""((?<![\w-]){_FLAG}(?:=|[ \t]+))(?!--)("[^"\n]*"|'[^'\n]*'|["']?[^\s"']+)""", re.I)

# `"password": "X"`, `'sk': 5` (JSON, YAML, Python reprs).
_QUOTED_ASSIGN = re.compile(r"""((["'])([\w.-]+)\2[ \t]*[:=][ \t]*)"""
                            r"""("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\s"',;{}\[\]]+)""")
# `HF_TOKEN=X`, `export OBS_SK="X"`, `password: X`.
_BARE_ASSIGN = re.compile(r"""((?<![\w.-])([\w.-]+)(?:[ \t]*=(?!=)[ \t]*|[ \t]*:[ \t]+))"""
                          r"""("[^"\n]*"|'[^'\n]*'|[^\s"']+)""")
_LITERAL = ("null", "true", "false", "None", "True", "False")     # JSON's and Python's: not secrets

# URL userinfo: `scheme://user:` then the password, which runs to the last `@` of the word. In text a
# word also ends at a quote (`"url":"http://u:p@h","x":"a@b"`); in a string value only at a space.
_USERINFO = re.compile(r"""://[^\s/:"']*:""")
_WORD_END = {False: re.compile(r"""\s|(?<!\\)["']"""), True: re.compile(r"\s")}

# A line that may be a JSON document; after this many that are not, a text's lines are taken as text.
_JSON_LINE = re.compile(r"^([ \t]*)((?:\{[ \t]*[\"}]|\[)[^\n]*[}\]])[ \t\r]*$", re.M)
JSON_LINE_TRIES = 64


@functools.lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def is_secret_flag(arg) -> bool:
    return isinstance(arg, str) and bool(_SECRET_FLAG.fullmatch(arg))


def redact_env(env: dict[str, str]) -> dict[str, str]:
    return _redact_value(dict(env))


def redact_observation(obs):
    """The observation with secrets redacted in its output, stderr, detail and argv."""
    output = redact_json(obs.output) if obs.kind == "json" else redact_text(obs.output)
    return replace(obs, output=output, stderr=redact_text(obs.stderr), detail=redact_text(obs.detail),
                   argv=tuple(redact_argv(obs.argv)))


def redact_argv(argv) -> list[str]:
    """`--api-key X` as two arguments, or `--api-key=X` as one."""
    out = []
    for i, arg in enumerate(argv):
        follows_flag = i > 0 and is_secret_flag(argv[i - 1]) and _is_flag_value(arg)
        out.append(REDACTED if follows_flag else _redact_lines(arg, None))
    return out


def _is_flag_value(arg) -> bool:
    return isinstance(arg, str) and arg != "" and not arg.startswith("--")


def redact_structure(value):
    """Any JSON-shaped value (a dict of dicts, lists and strings) with its secrets redacted."""
    return _redact_value(value)


def redact_json(text: str) -> str:
    """A JSON document redacted as structure and dumped as the probes dump it; not JSON: as text."""
    redacted = _redact_document(text, lambda doc: json.dumps(doc, indent=1, sort_keys=True))
    return redact_text(text) if redacted is None else redacted


def redact_text(text: str) -> str:
    """Text redacted line by line; a line that is a JSON document (docker info) is redacted as JSON."""
    return _redact_lines(text, [JSON_LINE_TRIES])


def _redact_lines(text: str, json_tries: list[int] | None) -> str:
    """Only blocks of lines with a hint of a secret are looked at closely.

    `json_tries` counts down the lines that look like JSON but are not; None: `text` is one string
    value (of a JSON document or an argv), so it has no JSON lines and quotes do not end its words.
    """
    if not isinstance(text, str) or not text:
        return text
    lower = _lower(text)
    out, pos = [], 0      # pos: 0, or the newline that ends the last block looked at
    hit = _FIRST_HINT.search(lower)
    while hit:
        start = text.rfind("\n", pos, hit.start()) + 1
        end = _HINTED_LINES.match(lower, start).end()
        out += [text[pos:start], _redact_block(text[start:end], lower[start:end], json_tries)]
        pos = end
        hit = _FIRST_HINT.search(lower, pos)
    out.append(text[pos:])
    return "".join(out)


def _lower(text: str) -> str:
    """Lower case, every character where it was (str.lower makes two of U+0130; translate is slow)."""
    lower = text.lower()
    return lower if len(lower) == len(text) else text.translate(_LOWER)


def _redact_block(block: str, lower: str, json_tries: list[int] | None) -> str:
    """JSON lines as JSON (until too many that look like JSON are not), the rest by the rules."""
    out, pos = [], 0
    for line in _JSON_LINE.finditer(block) if json_tries else ():
        if json_tries[0] <= 0:
            break
        doc = _redact_document(line.group(2), _compact)
        if doc is None:
            json_tries[0] -= 1
            continue
        out += [_apply_rules(block[pos:line.start(2)], lower[pos:line.start(2)], False), doc]
        pos = line.end(2)
    out.append(_apply_rules(block[pos:], lower[pos:], json_tries is None))
    return "".join(out)


def _compact(doc) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def _redact_document(text: str, dump) -> str | None:
    """The JSON text redacted (as it was if nothing in it is secret), or None if it is not JSON."""
    try:
        doc = json.loads(text)
        clean = _redact_value(doc)
        return text if clean == doc else dump(clean)
    except (ValueError, RecursionError):
        return None


def _redact_value(value, secret: bool = False):
    if secret and not _blank(value):
        return REDACTED
    if isinstance(value, dict):
        return {_redact_lines(k, None): _redact_value(v, is_secret_name(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_item(value, i) for i in range(len(value))]
    if isinstance(value, str) and _FIRST_HINT.search(value.lower()):   # most strings have no hint
        return _redact_lines(value, None)
    return value


def _redact_item(items: list, i: int):
    """A list item; a list of strings is an argv: `["--hf-token", "X"]`."""
    if i and is_secret_flag(items[i - 1]) and _is_flag_value(items[i]):
        return REDACTED
    return _redact_value(items[i])


def _blank(value) -> bool:
    return value is None or isinstance(value, bool) or (isinstance(value, (str, list, dict)) and not value)


def _apply_rules(text: str, lower: str, string_value: bool) -> str:
    """Every rule, each only where the text has what it needs."""
    if "bearer" in lower or "basic" in lower:
        text = _SCHEME.sub(lambda m: m.group(1) + REDACTED, text)
    if _TOKEN_HINT.search(lower):
        text = _TOKEN.sub(REDACTED, text)
    if "--" in text:
        text = _FLAG_VALUE.sub(lambda m: m.group(1) + _keep_quotes(m.group(2)), text)
    if "=" in text or ":" in text:
        if '"' in text or "'" in text:
            text = _QUOTED_ASSIGN.sub(_redact_assignment, text)
        text = _BARE_ASSIGN.sub(_redact_assignment, text)
    return _redact_userinfo(text, _WORD_END[string_value])


def _redact_assignment(match: re.Match) -> str:
    """`NAME = "value"` -> `NAME = "<redacted>"` when NAME is a secret name."""
    head, name, value = match.group(1), match.group(match.re.groups - 1), match.group(match.re.groups)
    if not is_secret_name(name) or value in _LITERAL:
        return match.group()
    quote = match.group(2) if match.re is _QUOTED_ASSIGN else ""
    if quote and value[0] not in "\"'":     # `"pin": 1234` -> `"pin": "<redacted>"`: JSON stays JSON
        return head + quote + REDACTED + quote
    return head + _keep_quotes(value)


def _keep_quotes(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[0] + (REDACTED if len(value) > 2 else "") + value[0]
    return REDACTED


def _redact_userinfo(text: str, word_end: re.Pattern) -> str:
    """`scheme://user:pa/ss@host` -> `scheme://user:<redacted>@host`, in one pass over the text."""
    if "@" not in text or "://" not in text:
        return text
    out, pos = [], 0
    match = _USERINFO.search(text)
    while match:
        found = word_end.search(text, match.end())
        end = found.start() if found else len(text)
        at = text.rfind("@", match.end(), end)
        if at < 0:      # no `@` in the rest of this word: nothing further in it is userinfo
            out.append(text[pos:end])
            pos = end
        else:
            out += [text[pos:match.end()], REDACTED]
            pos = at
        match = _USERINFO.search(text, pos)
    out.append(text[pos:])
    return "".join(out)


MIN_SECRET_VALUE = 6      # shorter values, redacted everywhere, would cut up ordinary words and numbers


def secret_values(text: str) -> set[str]:
    """The secrets the rules find in `text` (values of secret names and flags, tokens by their form),
    so that they can be taken out wherever else they recur."""
    found: set[str] = set()
    lower = _lower(text)
    hit = _FIRST_HINT.search(lower)
    while hit:
        block = _HINTED_LINES.match(lower, text.rfind("\n", 0, hit.start()) + 1)
        found |= _block_secrets(text[block.start():block.end()])
        hit = _FIRST_HINT.search(lower, block.end())
    return {v for v in found if len(v) >= MIN_SECRET_VALUE and v not in _LITERAL and REDACTED not in v
            and v.lower() not in ("bearer", "basic")}     # `Authorization: Bearer X` names its scheme


def _block_secrets(block: str) -> set[str]:
    found = {m.group() for m in _TOKEN.finditer(block)}
    found |= {m.group().split(None, 1)[-1] for m in _SCHEME.finditer(block)}
    found |= {_unquoted(m.group(2)) for m in _FLAG_VALUE.finditer(block)}
    for pattern in (_QUOTED_ASSIGN, _BARE_ASSIGN):
        found |= {_unquoted(m.group(pattern.groups)) for m in pattern.finditer(block)
                  if is_secret_name(m.group(pattern.groups - 1))}
    return found


def _unquoted(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def redact_values(text: str, values: set[str]) -> str:
    """Every occurrence of each value, also as it is written inside a JSON string, made REDACTED."""
    forms = {f for v in values for f in (v, json.dumps(v)[1:-1]) if f}
    if not forms:
        return text
    pattern = re.compile("|".join(map(re.escape, sorted(forms, key=len, reverse=True))))
    return pattern.sub(REDACTED, text)
