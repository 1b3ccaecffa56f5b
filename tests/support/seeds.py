"""Reads the deployment commands out of the tutorials in tests/golden/recipes/seeds.

A tutorial writes its deployment as shell: `export IMAGE=...`, a `docker run ... $IMAGE`
(whose container command is either `vllm serve ...` or an interactive `bash`), `export`
lines to type in that shell, and a `vllm serve` typed there. One tutorial (Qwen2-Audio)
has no server at all, only an offline `LLM(...)` call in Python. The tutorials come as
Markdown with code fences or as a rendered page without them, so commands are found by
their first word on a logical line (backslash continuations joined), not by fence.

Both a seed's command and our rendered argv are reduced to the same flat "items"
(`docker_items`, `serve_items`), so a test can compare them key by key:

    "--rm": True                   docker options without a value
    "--name": "vllm-ascend"        single-valued docker options ("--net=host" -> "--network": "host")
    "--device /dev/davinci0": True repeatable options (--device, -v, -p, --log-opt) carry their value in the key
    "-e NAME": "value"             -e and export alike; "-e NAME" without "=" -> True
    "image": "quay.io/ascend/vllm-ascend"   the repository; the tag is the deployment's choice
    "command": "vllm serve"        what the container runs ("bash" for the interactive form)
    "vllm serve model": "Qwen/..." the positional model
    "vllm serve --dtype": "bfloat16"   each flag as spelled, with its value (True if it has none)
"""

from __future__ import annotations

import ast
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "golden" / "recipes" / "seeds"

_DOCKER_VALUED = {"--name": "--name", "--device": "--device", "-v": "-v", "--volume": "-v",
                  "-p": "-p", "--publish": "-p", "-e": "-e", "--env": "-e", "--shm-size": "--shm-size",
                  "--net": "--network", "--network": "--network", "--restart": "--restart",
                  "--log-driver": "--log-driver", "--log-opt": "--log-opt"}
_DOCKER_REPEATABLE = ("--device", "-v", "-p", "--log-opt")
_DOCKER_SWITCHES = ("--rm", "-it", "-d")
_PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
_SHELL_STARTS = ("docker run ", "vllm serve ", "export ")   # prose lines are never split


def seed_text(file_id: str) -> str:
    return (SEEDS / f"{file_id}.txt").read_text(encoding="utf-8")


def logical_lines(text: str) -> list[str]:
    """Lines with trailing-backslash continuations joined, as a shell reads them."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    if pending:
        lines.append(pending)
    return lines


@dataclass(frozen=True)
class SeedDeployment:
    docker: tuple[str, ...]        # `docker run` argv, $IMAGE resolved, through the image
    command: tuple[str, ...]       # what the container runs
    serve: tuple[str, ...] | None  # the `vllm serve` argv, wherever the seed runs it
    exports: dict[str, str]        # variables exported between the docker run and the server
    llm: dict[str, object] | None  # keyword arguments of the offline LLM(...) call used instead of a server


def seed_deployment(text: str, docker: int, serve: int | None = None, llm: int | None = None) -> SeedDeployment:
    """The seed's `docker run` number `docker` (0-based, in file order) and its server.

    The server is the container command when that is `vllm serve`; otherwise the seed's
    `vllm serve` number `serve`, or (with `llm`) its offline `LLM(...)` call number `llm`.
    Exports count from the docker run up to that server; a variable exported in several
    branches (if/elif) keeps its first value. IMAGE is the image, not a variable.
    """
    words = [shlex.split(line, comments=True) if line.strip().startswith(_SHELL_STARTS) else []
             for line in logical_lines(text)]
    runs = [i for i, w in enumerate(words) if w[:2] == ["docker", "run"]]
    start = runs[docker]
    run = [_resolve_image(token, words[:start]) for token in words[start]]
    image_at = _image_index(run)
    container = tuple(run[image_at + 1:])
    end = len(words)
    serve_argv = None
    if container[:2] == ("vllm", "serve"):
        serve_argv, end = container, start
    elif serve is not None:
        serves = [i for i, w in enumerate(words) if w[:2] == ["vllm", "serve"]]
        end = serves[serve]
        serve_argv = tuple(words[end])
    exports: dict[str, str] = {}
    for w in words[start + 1:end]:
        if w[:1] == ["export"]:
            name, _, value = w[1].partition("=")
            if name != "IMAGE":
                exports.setdefault(name, value)
    return SeedDeployment(docker=tuple(run[:image_at + 1]), command=container, serve=serve_argv,
                          exports=exports, llm=llm_calls(text)[llm] if llm is not None else None)


def _resolve_image(token: str, before: list[list[str]]) -> str:
    if "$" not in token:
        return token
    if token != "$IMAGE":
        raise ValueError(f"seed command uses {token!r}; only $IMAGE is resolved")
    for w in reversed(before):
        if w[:1] == ["export"] and w[1].startswith("IMAGE="):
            return w[1].partition("=")[2]
    raise ValueError("seed uses $IMAGE before any `export IMAGE=`")


def _image_index(argv: list[str] | tuple[str, ...]) -> int:
    """Index of the image in a `docker run` argv: the first word no option consumes."""
    i = 2
    while argv[i].startswith("-"):
        name, eq, _ = argv[i].partition("=")
        if name in _DOCKER_VALUED and not eq:
            i += 1
        elif name not in _DOCKER_VALUED and name not in _DOCKER_SWITCHES:
            raise ValueError(f"docker run option {argv[i]!r} is not understood")
        i += 1
    return i


def docker_items(argv: list[str] | tuple[str, ...]) -> dict[str, object]:
    """Items of a `docker run` argv (see the module docstring); its container command too."""
    if tuple(argv[:2]) != ("docker", "run"):
        raise ValueError(f"not a docker run: {argv[:2]}")
    items: dict[str, object] = {}
    image_at = _image_index(argv)
    i = 2
    while i < image_at:
        name, eq, value = argv[i].partition("=")
        if name in _DOCKER_SWITCHES:
            items[name] = True
            i += 1
            continue
        if not eq:
            i += 1
            value = argv[i]
        key = _DOCKER_VALUED[name]
        if key in _DOCKER_REPEATABLE:
            items[f"{key} {value}"] = True
        elif key == "-e":
            var, has_value, var_value = value.partition("=")
            items[f"-e {var}"] = var_value if has_value else True
        else:
            items[key] = value
        i += 1
    items["image"] = repository(argv[image_at])
    command = tuple(argv[image_at + 1:])
    if command[:2] == ("vllm", "serve"):
        items["command"] = "vllm serve"
        items.update(serve_items(command))
    elif command:
        items["command"] = " ".join(command)
    return items


def repository(image: str) -> str:
    """The image reference without its tag or digest."""
    image = image.partition("@")[0]
    head, colon, tag = image.rpartition(":")
    return head if colon and "/" not in tag else image


def serve_items(argv: list[str] | tuple[str, ...]) -> dict[str, object]:
    """Items of a `vllm serve MODEL --flag value ...` argv; flags keep their spelling."""
    if tuple(argv[:2]) != ("vllm", "serve") or len(argv) < 3 or argv[2].startswith("-"):
        raise ValueError(f"not a `vllm serve MODEL ...` command: {argv[:3]}")
    items: dict[str, object] = {"vllm serve model": argv[2]}
    rest = list(argv[3:])
    i = 0
    while i < len(rest):
        flag, eq, value = rest[i].partition("=")
        if not flag.startswith("--"):
            raise ValueError(f"vllm serve argument {rest[i]!r} is not a --flag")
        if not eq:
            if i + 1 < len(rest) and not rest[i + 1].startswith("--"):
                i += 1
                value = rest[i]
            else:
                value = True
        items[f"vllm serve {flag}"] = value
        i += 1
    return items


def llm_calls(text: str) -> list[dict[str, object]]:
    """Keyword arguments of every `LLM(...)` call in the seed's Python blocks, in order.

    Literal values are taken as written; a bare name is resolved through a `name = literal`
    assignment elsewhere in the same block (the audio tutorial passes `audio_count`).
    """
    calls: list[dict[str, object]] = []
    for block in _PYTHON_BLOCK.findall(text):
        tree = ast.parse(block)
        names = {node.targets[0].id: node.value for node in ast.walk(tree)
                 if isinstance(node, ast.Assign) and len(node.targets) == 1
                 and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "LLM":
                calls.append({kw.arg: ast.literal_eval(_substitute(kw.value, names)) for kw in node.keywords})
    return calls


def _substitute(node: ast.expr, names: dict[str, ast.expr]) -> ast.expr:
    class Resolve(ast.NodeTransformer):
        def visit_Name(self, name: ast.Name) -> ast.expr:
            if name.id not in names:
                raise ValueError(f"LLM(...) argument uses {name.id!r}, which no literal assignment gives")
            return names[name.id]
    return Resolve().visit(node)


def llm_items(kwargs: dict[str, object]) -> dict[str, object]:
    """LLM(...) keyword arguments as the `vllm serve` items they become on the command line."""
    items: dict[str, object] = {}
    for key, value in kwargs.items():
        if key == "model":
            items["vllm serve model"] = value
        elif value is not False:
            flag = "vllm serve --" + key.replace("_", "-")
            items[flag] = True if value is True else (
                json.dumps(value, separators=(",", ":")) if isinstance(value, (dict, list)) else str(value))
    return items


def seed_items(seed: SeedDeployment) -> dict[str, object]:
    """Every item of the seed's deployment: its docker run, exports and server."""
    items = docker_items(seed.docker + seed.command)
    items.update({f"-e {name}": value for name, value in seed.exports.items()})
    if seed.serve is not None:
        items.update(serve_items(seed.serve))
    if seed.llm is not None:
        items.update(llm_items(seed.llm))
    return items
