"""docker run and vllm serve command lines read into their options, as the tools themselves would."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

# docker run options that take no value; every other option takes one (`--name x` or `--name=x`).
_DOCKER_FLAGS = {"-i", "-t", "-d", "-it", "-ti", "-itd", "-dit", "-idt", "-td", "-dt", "-id", "-di", "-P",
                 "--rm", "--privileged", "--init", "--read-only", "--interactive", "--tty", "--detach",
                 "--publish-all", "--no-healthcheck", "--oom-kill-disable", "--sig-proxy", "--help"}
_SHORT_WITH_VALUE = {"-v", "-e", "-p", "-u", "-w", "-m", "-h", "-l", "-c", "-a"}
_VAR = re.compile(r"\$\{?(\w+)\}?")


@dataclass
class DockerRun:
    text: str
    options: list[tuple[str, str | None]] = field(default_factory=list)   # in order; repeated ones repeat
    image: str | None = None
    command: list[str] = field(default_factory=list)

    def values(self, *names: str) -> list[str]:
        return [v for k, v in self.options if k in names and v is not None]

    def has(self, *names: str) -> bool:
        return any(k in names for k, _ in self.options)

    @property
    def devices(self) -> list[str]:
        return [v.split(":")[0] for v in self.values("--device")]

    @property
    def mounts(self) -> list[tuple[str, str]]:
        """(host path, container path) of each -v / --volume / --mount bind."""
        found = []
        for value in self.values("-v", "--volume"):
            host, _, rest = value.partition(":")
            found.append((host, rest.split(":")[0] or host))
        for value in self.values("--mount"):
            parts = dict(p.partition("=")[::2] for p in value.split(","))
            found.append((parts.get("source", parts.get("src", "")),
                          parts.get("target", parts.get("destination", parts.get("dst", "")))))
        return found

    @property
    def env(self) -> dict[str, str]:
        env = {}
        for value in self.values("-e", "--env"):
            name, _, val = value.partition("=")
            env[name] = val
        return env

    def network(self) -> str | None:
        named = self.values("--net", "--network")
        return named[-1] if named else None


def words(text: str) -> list[str]:
    """The command's words as a POSIX shell splits them; unbalanced quotes fall back to spaces."""
    try:
        return shlex.split(text, comments=False)
    except ValueError:
        return text.split()


def _option(tokens: list[str], i: int) -> tuple[str, str | None, int]:
    token = tokens[i]
    if token.startswith("--") and "=" in token:
        name, _, value = token.partition("=")
        return name, value, i + 1
    if token in _DOCKER_FLAGS or (not token.startswith("--") and token[1:2] not in "vepuwmhlca"
                                  and len(token) > 2):
        return token, None, i + 1
    if not token.startswith("--") and len(token) > 2 and token[:2] in _SHORT_WITH_VALUE:
        return token[:2], token[2:], i + 1           # -v/a:/b, -eFOO=1
    value = tokens[i + 1] if i + 1 < len(tokens) else None
    return token, value, i + 2


def parse_docker_run(text: str) -> DockerRun:
    tokens = words(text)
    run = DockerRun(text)
    at = next((i + 1 for i, t in enumerate(tokens) if t == "run"), len(tokens))
    while at < len(tokens):
        token = tokens[at]
        if not token.startswith("-") or token == "-":
            run.image, run.command = token, tokens[at + 1:]
            break
        name, value, at = _option(tokens, at)
        run.options.append((_long_name(name), value))
    return run


_ALIASES = {"--volume": "-v", "--env": "-e", "-u": "--user", "-p": "--publish", "-w": "--workdir",
            "--net": "--network"}


def _long_name(name: str) -> str:
    return _ALIASES.get(name, name)


@dataclass
class VllmServe:
    text: str
    model: str | None
    options: dict[str, str | None]

    def int_option(self, *names: str, default: int = 1) -> int:
        for name in names:
            value = self.options.get(name)
            if value is not None and value.isdigit():
                return int(value)
        return default

    @property
    def tensor_parallel(self) -> int:
        return self.int_option("--tensor-parallel-size", "-tp")

    @property
    def pipeline_parallel(self) -> int:
        return self.int_option("--pipeline-parallel-size", "-pp")

    @property
    def data_parallel_local(self) -> int:
        return self.int_option("--data-parallel-size-local", "--data-parallel-size", "-dp")

    @property
    def npus(self) -> int:
        """The chips this one server uses on its own host."""
        return self.tensor_parallel * self.pipeline_parallel * self.data_parallel_local

    @property
    def multi_node(self) -> bool:
        return any(name in self.options for name in ("--data-parallel-address", "--headless", "--nnodes",
                                                      "--node-rank", "--data-parallel-start-rank"))

    @property
    def disaggregated(self) -> bool:
        return "--kv-transfer-config" in self.options


def parse_vllm_serve(text: str) -> VllmServe:
    tokens = words(text)
    start = next((i + 1 for i, t in enumerate(tokens) if t == "serve" or t.startswith("vllm.entrypoints")),
                 len(tokens))
    options: dict[str, str | None] = {}
    model, i = None, start
    while i < len(tokens):
        token = tokens[i]
        if token in (";", "&&", "||", "|", "&") or token.startswith(("'", ";")):
            break
        if token.startswith("-"):
            name, eq, value = token.partition("=")
            if not eq:
                following = tokens[i + 1] if i + 1 < len(tokens) else None
                value = following if following is not None and not following.startswith("-") else None
                i += 1 if value is None else 2
            else:
                i += 1
            options[name] = value
            continue
        if model is None:
            model = token
        i += 1
    model = options.get("--model", model)
    return VllmServe(text, model, options)


def variables(text: str) -> list[str]:
    """The shell variables a command uses ($IMAGE, ${DEVICE}): their values are not in the paste."""
    return sorted(set(_VAR.findall(text)))
