"""Redaction: by name and by value, on structure where there is some, idempotent, in linear time."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doctor.evidence import OK, Observation
from doctor.redact import (REDACTED, is_secret_flag, is_secret_name, redact_argv, redact_env, redact_json,
                           redact_observation, redact_text)

R = REDACTED
FIXTURES = Path(__file__).resolve().parent / "fixtures"
HF = "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz01234567"
GHP = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"


@pytest.mark.parametrize("name", [
    "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "VLLM_API_KEY", "OPENAI_APIKEY", "x-api-key", "ASCEND_OBS_SK",
    "ASCEND_OBS_AK", "OBS_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY", "SECRET_KEY", "SK", "AK", "obs.sk", "DB_PWD",
    "MYSQL_PASSWORD", "MYSQL_PASSWD", "PASSPHRASE", "GIT_CREDENTIALS", "SSH_PRIVATE_KEY", "Authorization",
    "accessToken", "secretKey", "IdentityToken", "VLLM_AUTH",
])
def test_secret_names(name):
    assert is_secret_name(name)


@pytest.mark.parametrize("name", [
    "ASCEND_RT_VISIBLE_DEVICES", "ASCEND_HOME_PATH", "ASCEND_TOOLKIT_HOME", "ASCEND_LAUNCH_BLOCKING", "HCCL_IF_IP",
    "HCCL_SOCKET_IFNAME", "GLOO_SOCKET_IFNAME", "TP_SOCKET_IFNAME", "HCCL_OP_EXPANSION_MODE", "HCCL_BUFFSIZE",
    "LD_PRELOAD", "LD_LIBRARY_PATH", "PATH", "PWD", "OLDPWD", "PYTHONPATH", "VLLM_USE_V1", "TASK_QUEUE_ENABLE",
    "PYTORCH_NPU_ALLOC_CONF", "PYTORCH_CUDA_ALLOC_CONF", "OMP_NUM_THREADS", "HF_ENDPOINT", "HF_HUB_OFFLINE",
    "MASTER_ADDR", "MASTER_PORT", "VLLM_MAX_NUM_BATCHED_TOKENS", "TOKENIZERS_PARALLELISM", "stop_token_ids",
    "ASK", "DISK", "MASK", "author", "Authors", "HttpProxy", "NoProxy", "ServerVersion",
])
def test_ordinary_names(name):
    assert not is_secret_name(name)


@pytest.mark.parametrize("flag, secret", [
    ("--api-key", True), ("--hf-token", True), ("--token", True), ("--password", True), ("--db-password", True),
    ("--obs-secret", True), ("--secret-key", True), ("--access-key", True), ("--hf_token", True),
    ("--tokenizer", False), ("--max-num-batched-tokens", False), ("--skip-tokenizer-init", False),
    ("--model", False), ("--api-key-env", False), ("--token-file", False), ("api-key", False),
])
def test_secret_flags(flag, secret):
    assert is_secret_flag(flag) is secret


TEXT_CASES = [
    # by name, in text
    ("HF_TOKEN=hf_x", f"HF_TOKEN={R}"),
    ("export ASCEND_OBS_SK='a b c'", f"export ASCEND_OBS_SK='{R}'"),
    ('OBS_AK="AKIDxyz"', f'OBS_AK="{R}"'),
    ("password: hunter2 and more", f"password: {R} and more"),
    ("db.password = s3cr3t", f"db.password = {R}"),
    ('{"password": "a\\"b", "x": 1}', f'{{"password":"{R}","x":1}}'),
    ("x 'secret': 'q' y", f"x 'secret': '{R}' y"),
    ('x "pin_password": 1234, y', f'x "pin_password": "{R}", y'),
    ('"Authorization":null', '"Authorization":null'),
    ("password=None", "password=None"),
    ("HF_TOKEN=", "HF_TOKEN="),
    ('HF_TOKEN=""', 'HF_TOKEN=""'),
    ("Authorization: Bearer abcdefgh1234", f"Authorization: {R} {R}"),
    # by value
    ("VLLM_EXTRA=sk-" + "a1" * 24, f"VLLM_EXTRA={R}"),
    ("key sk-proj-" + "Ab_-" * 10 + " end", f"key {R} end"),
    ("sk-ant-api03-" + "x" * 40, R),
    ("pip install scikit-learn sk-learn", "pip install scikit-learn sk-learn"),
    (f"token {HF}.", f"token {R}."),
    (f"remote=https://{GHP}@github.com/o/r", f"remote=https://{R}@github.com/o/r"),
    ("github_pat_" + "A1b2" * 15, R),
    ("glpat-" + "x" * 20, R),
    ("xoxb-1234567890-abcdef", R),
    ("id AKIAIOSFODNN7EXAMPLE done", f"id {R} done"),
    ("AKIAIOSFODNN7EXAMPLEX", "AKIAIOSFODNN7EXAMPLEX"),
    (f"jwt {JWT}", f"jwt {R}"),
    ("curl -H 'Authorization: Bearer tok.en-123_456'", f"curl -H 'Authorization: {R} {R}'"),
    ("sent bearer abcdefgh12345678 ok", f"sent bearer {R} ok"),
    # flags, inside text
    ("vllm serve m --api-key s3cret --port 8000", f"vllm serve m --api-key {R} --port 8000"),
    ("--api-key=s3cret", f"--api-key={R}"),
    ("--model m --hf-token hf_abc", f"--model m --hf-token {R}"),
    ('--db-password "two words" --x', f'--db-password "{R}" --x'),
    ("--obs-secret=abc --token xyz", f"--obs-secret={R} --token {R}"),
    ("--max-num-batched-tokens 8192 --tokenizer t", "--max-num-batched-tokens 8192 --tokenizer t"),
    ("--api-key --model m", "--api-key --model m"),
    # URL userinfo, any characters up to the last @ of the word
    ("https://user:pa/ss@host/path", f"https://user:{R}@host/path"),
    ("proxy=http://u:p@ss:w/rd@proxy.corp:3128 next", f"proxy=http://u:{R}@proxy.corp:3128 next"),
    ("redis://:pw@127.0.0.1:6379/0", f"redis://:{R}@127.0.0.1:6379/0"),
    ("https://me@corp.com:pw@registry", f"https://me@corp.com:{R}@registry"),
    ('"HttpProxy":"http://u:pw@h:1","NoProxy":"a@b"', f'"HttpProxy":"http://u:{R}@h:1","NoProxy":"a@b"'),
    ("https://hf-mirror.com/models and http://host:8080/x", "https://hf-mirror.com/models and http://host:8080/x"),
    ("git@github.com:org/repo.git", "git@github.com:org/repo.git"),
    # JSON lines (docker info) are redacted as JSON and stay JSON
    ('{"HttpProxy": "http://u:pa\\"ss@h", "Authorization": null}',
     f'{{"HttpProxy":"http://u:{R}@h","Authorization":null}}'),
    ('  ["--api-key", "zz"]', f'  ["--api-key","{R}"]'),
    ('{"auths": {"reg": {"auth": "eHl6"}}}', f'{{"auths":"{R}"}}'),
    # nothing secret: untouched
    ("ASCEND_RT_VISIBLE_DEVICES=0,1 HCCL_IF_IP=10.0.0.1 TASK_QUEUE_ENABLE=2", None),
    ("LD_PRELOAD=/usr/lib64/libjemalloc.so.2", None),
    ("tiktoken==0.14.0", None),
    ("stop_token_ids=[2, 92542], max_tokens: 100", None),
    ('{"ServerVersion": "20.10.24", "Runtimes": {"runc": {"path": "runc"}}}', None),
    ("| 0     910B4               | OK            | 86.3        45                0    / 0             |", None),
]


@pytest.mark.parametrize("text, expected", TEXT_CASES)
def test_text(text, expected):
    expected = text if expected is None else expected
    assert redact_text(text) == expected
    assert redact_text(expected) == expected


def test_rules_do_not_reach_past_a_line():
    text = "HF_TOKEN=\nplain words\n--api-key\nnext\nhttps://u:pw\n@host"
    assert redact_text(text) == text


def test_only_the_lines_with_secrets_change():
    text = "first line\nVLLM_API_KEY=abc\n  third  \n\nhttps://u:p@h\r\nlast"
    assert redact_text(text) == f"first line\nVLLM_API_KEY={R}\n  third  \n\nhttps://u:{R}@h\r\nlast"


@pytest.mark.parametrize("argv, expected", [
    (["vllm", "serve", "--api-key", "s3cret"], ["vllm", "serve", "--api-key", R]),
    (["vllm", "--hf-token", "hf_x", "--model", "m"], ["vllm", "--hf-token", R, "--model", "m"]),
    (["x", "--db-password", "pa ss", "--obs-secret=abc"], ["x", "--db-password", R, f"--obs-secret={R}"]),
    (["x", "--token", "--model", "m"], ["x", "--token", "--model", "m"]),
    (["x", "--tokenizer", "t", "--max-num-batched-tokens", "8"], None),
    (["curl", "https://u:pa/ss@h/x", "-H", "Authorization: Bearer abcdefgh12"],
     ["curl", f"https://u:{R}@h/x", "-H", f"Authorization: {R} {R}"]),
    ((), []),
])
def test_argv(argv, expected):
    expected = list(argv) if expected is None else expected
    assert redact_argv(argv) == expected
    assert redact_argv(expected) == expected


def test_env_by_name_and_by_value():
    env = {"VLLM_API_KEY": "plain", "ASCEND_OBS_SK": "x", "ASCEND_OBS_AK": "y", "VLLM_EXTRA": "sk-" + "z" * 30,
           "VLLM_ARGS": "--model m --hf-token hf_abc", "HF_ENDPOINT": "https://u:pa/ss@mirror/x",
           "ASCEND_RT_VISIBLE_DEVICES": "0,1", "HCCL_IF_IP": "10.0.0.1", "TASK_QUEUE_ENABLE": "2", "HF_TOKEN": ""}
    assert redact_env(env) == {
        "VLLM_API_KEY": R, "ASCEND_OBS_SK": R, "ASCEND_OBS_AK": R, "VLLM_EXTRA": R,
        "VLLM_ARGS": f"--model m --hf-token {R}", "HF_ENDPOINT": f"https://u:{R}@mirror/x",
        "ASCEND_RT_VISIBLE_DEVICES": "0,1", "HCCL_IF_IP": "10.0.0.1", "TASK_QUEUE_ENABLE": "2", "HF_TOKEN": ""}


def env_observation(env: dict) -> Observation:
    return Observation("env", "json", OK, output=json.dumps(env, indent=1, sort_keys=True))


def test_json_observation_is_redacted_as_json_and_dumped_as_the_probes_dump_it():
    env = {"VLLM_API_KEY": "k", "PATH": "/bin", "VLLM_ARGS": "--api-key \"q\" --x", "LIST": ["--token", "t", 3]}
    obs = redact_observation(env_observation(env))
    assert json.loads(obs.output) == {"VLLM_API_KEY": R, "PATH": "/bin", "VLLM_ARGS": f'--api-key "{R}" --x',
                                      "LIST": ["--token", R, 3]}
    assert obs.output == json.dumps(json.loads(obs.output), indent=1, sort_keys=True)
    assert redact_observation(obs) == obs


def test_json_without_secrets_is_left_byte_for_byte():
    text = json.dumps({"b": "x", "a": [1, 2.5, None, True]}, indent=1)    # not sorted: still not touched
    assert redact_json(text) == text


def test_json_observation_that_is_not_json_is_redacted_as_text():
    obs = Observation("env", "json", OK, output='{"VLLM_API_KEY": "k", broken')
    assert redact_observation(obs).output == f'{{"VLLM_API_KEY": "{R}", broken'


def test_redacting_a_redacted_env_twice_keeps_it_valid_json():
    """The bug: text rules run over redacted JSON broke env.txt, and the snapshot disagreed with the live run."""
    env = {"VLLM_API_KEY": "k", "HF_ENDPOINT": "https://u:p@h", "VLLM_ARGS": "--api-key x"}
    obs = env_observation(redact_env(env))
    once = redact_observation(obs)
    twice = redact_observation(once)
    assert twice == once
    assert json.loads(twice.output)["VLLM_API_KEY"] == R


def test_observation_stderr_detail_and_argv_are_redacted():
    obs = Observation("served", "command", OK, output="--api-key s3cret", stderr="HF_TOKEN=abc\n",
                      detail="ran with https://u:pw@h", argv=("vllm", "--api-key", "s3cret"))
    clean = redact_observation(obs)
    assert (clean.output, clean.stderr, clean.detail, clean.argv) == (
        f"--api-key {R}", f"HF_TOKEN={R}\n", f"ran with https://u:{R}@h", ("vllm", "--api-key", R))


def test_the_captured_fixtures_have_nothing_to_redact():
    """Real npu-smi, hccn_tool, docker and version file captures: redaction must not change what the checks read."""
    files = [p for p in FIXTURES.rglob("*.txt")]
    assert len(files) > 20
    for path in files:
        text = path.read_text(errors="replace")
        assert redact_text(text) == text, path


# Property tests: fragments that the rules care about, glued together at random.
FRAGMENTS = ["HF_TOKEN", "OBS_SK", "password", "Authorization", "api_key", "token", "=", "==", ":", ": ", " ", "\t",
             "\n", "\r", '"', "'", "\\", "--api-key", "--hf-token", "--", "-", "sk-", "sk-" + "a1" * 12, HF, GHP,
             "AKIAIOSFODNN7EXAMPLE", JWT, "Bearer ", "basic ", "https://", "://", "u", "@", "/", "pa/ss", "{", "}",
             "[", "]", ",", "null", "None", "5", R, "<", ">", "x", "é", "İ"]
texts = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=40).map("".join)
keys = st.one_of(st.sampled_from(["HF_TOKEN", "ASCEND_OBS_SK", "PATH", "auths", "password", "Args"]), texts)
json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), texts),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
                           max_leaves=12)
PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(texts)
def test_redacting_text_twice_is_redacting_it_once(text):
    once = redact_text(text)
    assert redact_text(once) == once


@PROPERTY
@given(st.lists(texts, max_size=6))
def test_redacting_argv_twice_is_redacting_it_once(argv):
    once = redact_argv(argv)
    assert redact_argv(once) == once


@settings(PROPERTY, max_examples=200)
@given(json_values)
def test_json_stays_valid_and_redacting_twice_is_redacting_once(value):
    text = json.dumps(value, indent=1, sort_keys=True)
    once = redact_json(text)
    json.loads(once)
    assert redact_json(once) == once
    line = redact_text(json.dumps(value))      # a JSON line inside a command's output
    json.loads(line)
    assert redact_text(line) == line


@PROPERTY
@given(st.dictionaries(st.sampled_from(["VLLM_API_KEY", "ASCEND_OBS_SK", "HF_TOKEN", "OBS_PASSWORD"]),
                       st.text(min_size=1).filter(lambda s: s.strip()), min_size=1))
def test_a_value_under_a_secret_name_never_survives(env):
    assert set(redact_env(env).values()) == {R}


# Time: linear, and a large output well under a second.
FOUR_MIB = 4 << 20


def fill(unit: str, size: int = FOUR_MIB) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def timed(text: str) -> float:
    """CPU seconds, so that other work on a busy machine does not count."""
    started = time.process_time()
    redact_text(text)
    return time.process_time() - started


def test_a_large_realistic_output_is_redacted_well_under_a_second():
    captures = "".join(p.read_text(errors="replace") for p in sorted(FIXTURES.rglob("*.txt")))
    text = fill(captures + "VLLM_API_KEY=abc\nproxy https://u:pa/ss@h/x\n" + f"--hf-token {HF}\n")
    assert min(timed(text) for _ in range(2)) < 0.75


@pytest.mark.parametrize("unit", [
    "a", '"', "{\n", "://a:", "://a:@", "eyJa.", "--a-token ", "token=a\n", '"token":', "a_" * 40 + "b ", "bearer ",
    '{"token"}\n', "http://u:p@h ", "é token=ü İ\n",
])
def test_no_input_makes_redaction_superlinear(unit):
    """Inputs built to make a backtracking pattern blow up: 4 times the text takes about 4 times as long."""
    small, large = (min(timed(fill(unit, size)) for _ in range(2)) for size in (FOUR_MIB // 16, FOUR_MIB // 4))
    assert large < 1.0, f"{unit!r}: {large:.2f} s for 1 MiB"
    assert large < max(8 * small, 0.25), f"{unit!r}: {small:.3f} s for 256 KiB, {large:.3f} s for 1 MiB"


def test_secret_values_are_found_and_taken_out_wherever_they_recur():
    from doctor.redact import redact_values, secret_values

    text = ('{"HF_TOKEN": "abcdef123456", "PATH": "/bin"}\nexport OBS_SK=zzzsecretzz\n'
            "vllm serve m --api-key 'myapikey99'\nAuthorization: Bearer qwertyuiop123\npassword: x1\n")
    values = secret_values(text)
    assert values == {"abcdef123456", "zzzsecretzz", "myapikey99", "qwertyuiop123"}
    assert redact_values('ran with abcdef123456 {"k": "zzzsecretzz"}', values) == \
        'ran with <redacted> {"k": "<redacted>"}'
