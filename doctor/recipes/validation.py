"""Refuses a deployment the renderer must not render: every value checked before it reaches an argv.

Values end up in a docker argv, in Ansible templates and in a copy-pasteable shell line, so
whitespace, control characters and shell metacharacters are refused everywhere; vllm_args may
hold JSON, so its quotes and brackets are allowed there.
"""

from __future__ import annotations

import re

from doctor.recipes.model import API_KEY_VAR, Deployment, Recipe, RecipeError

_CONTAINER_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")     # docker's own rule
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LABEL_KEY = re.compile(r"[a-z0-9][a-z0-9.-]*")
# Never in a templated value: a shell or a template would read them. vllm_args may hold JSON.
_SHELL_META = frozenset("|&;<>()$`\\\"'*?[]#~!{}")
_ARG_META = _SHELL_META - frozenset('"{}[]')


def _meta_problem(where: str, value: object, forbidden: frozenset[str] = _SHELL_META) -> str | None:
    if not isinstance(value, str):
        return f"{where}: expected a string, got {value!r}"
    bad = sorted({c for c in value if c in forbidden or c.isspace() or not c.isprintable()})
    if bad:
        return (f"{where}: {value!r} contains {' '.join(repr(c) for c in bad)}; "
                "whitespace, control characters and shell metacharacters are not allowed")
    return None


def _path_problems(where: str, value: str) -> list[str]:
    problem = _meta_problem(where, value)
    if problem:
        return [problem]
    problems = []
    if not value.startswith("/"):
        problems.append(f"{where}: {value!r} must be an absolute path")
    if ":" in value or "," in value:
        problems.append(f"{where}: {value!r} must not contain ':' or ',' (they separate mount and "
                        "LD_PRELOAD entries)")
    return problems


def _device_problems(dep: Deployment) -> list[str]:
    devices = tuple(dep.devices)
    tp, npus = dep.recipe.tensor_parallel_size, dep.recipe.npus
    problems = []
    if not devices:
        problems.append("devices: at least one chip is needed")
    for d in devices:
        if isinstance(d, bool) or not isinstance(d, int) or d < 0:
            problems.append(f"devices: {d!r} is not a chip number (an integer >= 0)")
    repeated = sorted({d for d in devices if devices.count(d) > 1}, key=str)
    if repeated:
        problems.append(f"devices: {', '.join(map(str, repeated))} listed more than once")
    if devices and len(devices) != npus:
        problems.append(f"devices: {len(devices)} given, but recipe {dep.recipe.name} runs on {npus} NPU(s)")
    if devices and len(devices) % tp:
        problems.append(f"devices: tensor_parallel_size {tp} does not divide the {len(devices)} device(s)")
    return problems


def _recipe_value_problems(r: Recipe) -> list[str]:
    checks = [("recipe.model", r.model), ("recipe.served_model_name", r.served_model_name),
              ("recipe.docker.image", r.docker.image)]
    checks += [(f"recipe.env[{k}]", v) for k, v in r.env.items()]
    checks += [(f"recipe.docker.devices[{i}]", v) for i, v in enumerate(r.docker.devices)]
    checks += [(f"recipe.docker.mounts[{i}]", v) for i, v in enumerate(r.docker.mounts)]
    if r.docker.shm_size is not None:
        checks.append(("recipe.docker.shm_size", r.docker.shm_size))
    problems = [p for where, v in checks if (p := _meta_problem(where, v))]
    problems += [p for i, a in enumerate(r.vllm_args) if (p := _meta_problem(f"recipe.vllm_args[{i}]", a, _ARG_META))]
    problems += [f"recipe.env: {k!r} is not a variable name" for k in r.env if not _ENV_NAME.fullmatch(k)]
    return problems


def validate(dep: Deployment) -> list[str]:
    """Everything wrong with a deployment, one human message each, naming the field; [] when good."""
    problems = _device_problems(dep)
    if isinstance(dep.port, bool) or not isinstance(dep.port, int) or not 1 <= dep.port <= 65535:
        problems.append(f"port: {dep.port!r} is not a TCP port (1-65535)")
    if not isinstance(dep.container_name, str) or not _CONTAINER_NAME.fullmatch(dep.container_name):
        problems.append(f"container_name: {dep.container_name!r} is not a docker container name (letters, "
                        "digits, '_', '.', '-', starting with a letter or digit, at least 2 characters)")
    image_problem = _meta_problem("image", dep.image)
    if image_problem:
        problems.append(image_problem)
    elif not dep.image or dep.image.startswith("-"):
        problems.append(f"image: {dep.image!r} is not an image reference")
    if dep.model_source is not None:
        problems += _path_problems("model_source", dep.model_source)
    if dep.api_key_set:
        problems += _path_problems("api_key_file", dep.api_key_file) if dep.api_key_file else \
            ["api_key_file: api_key_set needs the file the key is read from"]
    if dep.jemalloc_path is not None:
        problems += _path_problems("jemalloc_path", dep.jemalloc_path)
    if dep.host_root != "/":
        problems += _path_problems("host_root", dep.host_root)
    problems += _override_problems(dep)
    return problems + _recipe_value_problems(dep.recipe)


def checked(dep: Deployment) -> Deployment:
    """`dep` if it is valid; else RecipeError with every problem."""
    problems = validate(dep)
    if problems:
        raise RecipeError("invalid deployment: " + "; ".join(problems))
    return dep


def _override_problems(dep: Deployment) -> list[str]:
    """What is wrong with the values a service adds to its recipe: labels, extra_args, extra_env."""
    problems = []
    for key, value in dep.labels.items():
        if not _LABEL_KEY.fullmatch(str(key)) or (p := _meta_problem(f"labels[{key}]", value)):
            problems.append(p if _LABEL_KEY.fullmatch(str(key)) else f"labels: {key!r} is not a label key")
    for arg in dep.extra_args:
        if not isinstance(arg, str) or (p := _meta_problem("extra_args", arg)):
            problems.append(p if isinstance(arg, str) else f"extra_args: {arg!r} is not a string")
        elif not arg or any(c.isspace() for c in arg):
            problems.append(f"extra_args: {arg!r} is empty or contains whitespace; give each word as one item")
    for key, value in dep.extra_env.items():
        if not isinstance(key, str) or not _ENV_NAME.fullmatch(key):
            problems.append(f"extra_env: {key!r} is not a variable name")
        elif key == API_KEY_VAR:
            problems.append(f"extra_env: {API_KEY_VAR} must not be given inline; set api_key_set=True and "
                            "export it where docker runs")
        elif (p := _meta_problem(f"extra_env[{key}]", value)):
            problems.append(p)
    return problems
