"""The seed deployments as data, and the one renderer the doctor and the Ansible roles share.

A recipe is one deployment a vllm-ascend tutorial (a "seed") walks through: which model,
which `vllm serve` flags, which variables, which container. `doctor/recipes/<name>.json`
holds it; `load(name)` reads it; a `Deployment` places it on one host (container name,
image, chips, port); `docker_run_argv(dep)` renders the container as an argv list, never
through a shell. Call `validate(dep)` first; the renderers refuse an invalid deployment.

Recipe file (every key required; `null` only where shown)::

    {
      "name": "qwen3-vl-4b",                    # = the file name: [a-z0-9][a-z0-9.-]*
      "seed": {"file": "000_3a8f4637e5082203",  # the tutorial's seed id
               "document": "Single NPU (Qwen3-VL 4B)",          # its title
               "section": "Online Serving on Single NPU"},      # where the command is
      "model": "Qwen/Qwen3-VL-4B-Instruct",     # HF / ModelScope id the seed serves
      "served_model_name": "qwen3vl",           # what clients send as "model"
      "modality": "vision",                     # "text" | "vision" | "audio"
      "tensor_parallel_size": 1,
      "npus": 1,                                # chips per instance; a multiple of tensor_parallel_size
      "vllm_args": ["--served-model-name", "qwen3vl", "--dtype", "bfloat16",
                    "--max_model_len", "16384"],   # the seed's flags: its order, its spelling
      "env": {"VLLM_USE_MODELSCOPE": "True"},   # the seed's -e / export variables, literal values
      "docker": {
        "container_name": "vllm-ascend",        # the seed's --name (a Deployment names its own)
        "image": "quay.io/ascend/vllm-ascend",  # repository; the tag is the Deployment's
        "image_tag": null,                      # the seed's tag; null: it uses the docs' release placeholder
        "devices": ["/dev/davinci_manager", "/dev/devmm_svm", "/dev/hisi_hdc"],  # beyond /dev/davinciN
        "mounts": ["/usr/local/dcmi:/usr/local/dcmi"],   # -v values, as the seed writes them
        "port": 8000,                           # where vLLM listens inside a bridge-networked container
        "shm_size": "1g",                       # or null: docker's default
        "network": "bridge"                     # "bridge": -p PORT:port | "host": --network host
      },
      "resources": {"min_hbm_gib_per_chip": null,   # or a number, when the seed states one
                    "note": "where the figure comes from, or why there is none"},
      "differences": [                          # every deliberate departure from the seed
        {"item": "--rm", "seed": true, "ours": null, "reason": "one line"}
      ]
    }

A difference's `item` names one piece of the deployment the way tests/support/seeds.py
reduces both the seed's commands and ours: a docker option (`--rm`, `--name`, `--shm-size`,
`--network`, `--restart`, `-d`, `-it`), a repeatable one with its value (`--device /dev/x`,
`-v host:container`, `-p 8000:8000`), a variable (`-e NAME`), `command` (what the container
runs), `vllm serve model` or `vllm serve --flag`. `seed` and `ours` hold the two values
(`true`: present without a value, `null`: absent), for the example deployment the tests
render (first chips, port 8000, the seed's container name, jemalloc at the Ubuntu aarch64
path). A seed step we do not perform at all is an item `step: ...` whose `seed` quotes the
tutorial.

What the renderer does beyond the recipe, for every recipe:

* `-d --restart unless-stopped` instead of the seed's `--rm -it`, and `vllm serve` as the
  container command instead of an interactive `bash`.
* `--log-driver json-file --log-opt max-size=100m --log-opt max-file=5`: the container's log
  is rotated instead of growing until the disk is full.
* `ASCEND_RT_VISIBLE_DEVICES=0,...,n-1`. Inside a container the mounted /dev/davinciN
  nodes are numbered from 0 whatever N is on the host, and the variable takes those
  logical ids: CANN's ASCEND_RT_VISIBLE_DEVICES reference (hiascend.com envref_07_0028)
  defines it over logical ids; vllm-ascend PR 16256 (merged) records host chips 3-7
  appearing as 0-4 in a container; gpustack issue 3352 shows a host id (4) rejected in a
  two-chip container ("input data rang[0-2)"). One caveat found: vllm-ascend PR 12959
  (closed, not merged) noted that on A5 hosts the endpoint-file lookup of that time mapped
  these ids to host ids wrongly when only later chips are mounted; the seeds target A2/A3.
* `LD_PRELOAD=<jemalloc_path>` when the Deployment gives one: the vllm-ascend images
  append it to /root/.bashrc only (Dockerfile, Dockerfile.openEuler), so a container
  started straight into `vllm serve` runs without jemalloc. `doctor.compat.jemalloc_path`
  knows where each OS puts the library.
* `HCCL_OP_EXPANSION_MODE=AIV` when tensor parallel > 1 (unless the recipe sets it).
* The API key: with `api_key_set`, `--env-file <api_key_file>` (a root-only file on the host
  holding `VLLM_API_KEY=...`) and no `--api-key` flag; vLLM reads VLLM_API_KEY itself
  (vllm/envs.py), so the key is never in an argv, a process list, an Ansible command line
  or a world-readable file.
* `--served-model-name` and `--port` are always explicit: weights mounted from a host path
  (`model_source`, read-only at /models/<recipe>) keep the name clients use, and with
  `--network host` vLLM listens on the Deployment's port.

InternVL2-8B has no recipe: its tutorial (seed 002) gives it one table row with the same
recommended settings as InternVL2.5-8B and no command of its own.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from importlib import resources

MODALITIES = ("text", "vision", "audio")
NETWORKS = ("bridge", "host")
MODEL_DIR = "/models"                 # where model_source is mounted: /models/<recipe name>
API_KEY_VAR = "VLLM_API_KEY"
RESTART_POLICY = "unless-stopped"
# json-file with rotation: a serving container logs every request, and docker keeps its log unbounded.
LOG_OPTIONS = ("--log-driver", "json-file", "--log-opt", "max-size=100m", "--log-opt", "max-file=5")
HCCL_EXPANSION = ("HCCL_OP_EXPANSION_MODE", "AIV")
# Flags the renderer owns: set from the recipe or the deployment, replaced in place if the seed has them.
_SERVED_NAME, _PORT, _TP = "--served-model-name", "--port", "--tensor-parallel-size"
_FORBIDDEN_ARGS = ("--api-key", "--model")

_NAME = re.compile(r"[a-z0-9][a-z0-9.-]*")
_CONTAINER_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")     # docker's own rule
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Never in a templated value: a shell or a template would read them. vllm_args may hold JSON.
_LABEL_KEY = re.compile(r"[a-z0-9][a-z0-9.-]*")
_SHELL_META = frozenset("|&;<>()$`\\\"'*?[]#~!{}")
_ARG_META = _SHELL_META - frozenset('"{}[]')


class RecipeError(ValueError):
    """An unknown or malformed recipe, or a deployment the renderer refuses."""


@dataclass(frozen=True)
class SeedRef:
    file: str
    document: str
    section: str


@dataclass(frozen=True)
class DockerSpec:
    container_name: str
    image: str
    image_tag: str | None
    devices: tuple[str, ...]
    mounts: tuple[str, ...]
    port: int
    shm_size: str | None
    network: str


@dataclass(frozen=True)
class Resources:
    min_hbm_gib_per_chip: float | None
    note: str


@dataclass(frozen=True)
class Difference:
    item: str
    seed: str | bool | None
    ours: str | bool | None
    reason: str


@dataclass(frozen=True)
class Recipe:
    name: str
    seed: SeedRef
    model: str
    served_model_name: str
    modality: str
    tensor_parallel_size: int
    npus: int
    vllm_args: tuple[str, ...]
    env: dict[str, str]
    docker: DockerSpec
    resources: Resources
    differences: tuple[Difference, ...]


@dataclass(frozen=True)
class Deployment:
    """One service instance of a recipe on one host."""

    recipe: Recipe
    container_name: str
    image: str
    devices: tuple[int, ...]                 # host chip numbers: /dev/davinciN
    port: int = 8000                         # host port the API is reached on
    model_source: str | None = None          # host path of the weights, mounted read-only; None: vLLM downloads
    api_key_set: bool = False                # True: VLLM_API_KEY comes from api_key_file (--env-file)
    api_key_file: str | None = None          # a root-only file on the host: VLLM_API_KEY=...
    jemalloc_path: str | None = None         # LD_PRELOAD value, a path inside the image
    extra_env: dict[str, str] = field(default_factory=dict)
    extra_args: tuple[str, ...] = ()         # appended to `vllm serve`; vLLM takes the last of a repeated flag
    host_root: str = "/"                     # where the host's /dev nodes and driver files are (a test host's tree)
    labels: dict[str, str] = field(default_factory=dict)   # docker labels, e.g. the deployed configuration's hash


# ---------------------------------------------------------------- loading

def _recipe_dir():
    return resources.files("doctor").joinpath("recipes")


def names() -> list[str]:
    """Every recipe shipped with the package, sorted."""
    return sorted(entry.name[:-len(".json")] for entry in _recipe_dir().iterdir()
                  if entry.name.endswith(".json"))


def load(name: str) -> Recipe:
    known = names()
    if name not in known:
        raise RecipeError(f"unknown recipe {name!r}; known: {', '.join(known)}")
    text = _recipe_dir().joinpath(f"{name}.json").read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecipeError(f"recipe {name!r}: not JSON: {exc}") from None
    return _parse(data, name)


def _take(data: object, keys: tuple[str, ...], where: str) -> dict:
    if not isinstance(data, dict):
        raise RecipeError(f"{where}: expected an object")
    missing = [k for k in keys if k not in data]
    unknown = sorted(set(data) - set(keys))
    if missing or unknown:
        raise RecipeError(f"{where}: " + "; ".join(
            ([f"missing {', '.join(missing)}"] if missing else []) +
            ([f"unknown {', '.join(unknown)}"] if unknown else [])))
    return data


def _typed(value: object, kinds: tuple[type, ...], where: str):
    if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
        expected = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
        raise RecipeError(f"{where}: expected {expected}, got {value!r}")
    return value


def _strings(value: object, where: str) -> tuple[str, ...]:
    _typed(value, (list,), where)
    return tuple(_typed(v, (str,), f"{where}[{i}]") for i, v in enumerate(value))


def _parse(data: object, name: str) -> Recipe:
    where = f"recipe {name!r}"
    top = _take(data, ("name", "seed", "model", "served_model_name", "modality", "tensor_parallel_size",
                       "npus", "vllm_args", "env", "docker", "resources", "differences"), where)
    seed = _take(top["seed"], ("file", "document", "section"), f"{where} seed")
    docker = _take(top["docker"], ("container_name", "image", "image_tag", "devices", "mounts", "port",
                                   "shm_size", "network"), f"{where} docker")
    res = _take(top["resources"], ("min_hbm_gib_per_chip", "note"), f"{where} resources")
    env = _typed(top["env"], (dict,), f"{where} env")
    differences = []
    for i, diff in enumerate(_typed(top["differences"], (list,), f"{where} differences")):
        d = _take(diff, ("item", "seed", "ours", "reason"), f"{where} differences[{i}]")
        differences.append(Difference(
            item=_typed(d["item"], (str,), f"{where} differences[{i}].item"),
            seed=_typed(d["seed"], (str, bool, type(None)), f"{where} differences[{i}].seed"),
            ours=_typed(d["ours"], (str, bool, type(None)), f"{where} differences[{i}].ours"),
            reason=_typed(d["reason"], (str,), f"{where} differences[{i}].reason")))
    recipe = Recipe(
        name=_typed(top["name"], (str,), f"{where} name"),
        seed=SeedRef(*(_typed(seed[k], (str,), f"{where} seed.{k}") for k in ("file", "document", "section"))),
        model=_typed(top["model"], (str,), f"{where} model"),
        served_model_name=_typed(top["served_model_name"], (str,), f"{where} served_model_name"),
        modality=_typed(top["modality"], (str,), f"{where} modality"),
        tensor_parallel_size=_typed(top["tensor_parallel_size"], (int,), f"{where} tensor_parallel_size"),
        npus=_typed(top["npus"], (int,), f"{where} npus"),
        vllm_args=_strings(top["vllm_args"], f"{where} vllm_args"),
        env={_typed(k, (str,), f"{where} env"): _typed(v, (str,), f"{where} env[{k}]") for k, v in env.items()},
        docker=DockerSpec(
            container_name=_typed(docker["container_name"], (str,), f"{where} docker.container_name"),
            image=_typed(docker["image"], (str,), f"{where} docker.image"),
            image_tag=_typed(docker["image_tag"], (str, type(None)), f"{where} docker.image_tag"),
            devices=_strings(docker["devices"], f"{where} docker.devices"),
            mounts=_strings(docker["mounts"], f"{where} docker.mounts"),
            port=_typed(docker["port"], (int,), f"{where} docker.port"),
            shm_size=_typed(docker["shm_size"], (str, type(None)), f"{where} docker.shm_size"),
            network=_typed(docker["network"], (str,), f"{where} docker.network")),
        resources=Resources(
            min_hbm_gib_per_chip=_typed(res["min_hbm_gib_per_chip"], (int, float, type(None)),
                                        f"{where} resources.min_hbm_gib_per_chip"),
            note=_typed(res["note"], (str,), f"{where} resources.note")),
        differences=tuple(differences))
    problems = _recipe_problems(recipe, name)
    if problems:
        raise RecipeError(f"{where}: " + "; ".join(problems))
    return recipe


def _recipe_problems(r: Recipe, file_name: str) -> list[str]:
    """What is inconsistent inside one recipe (its values' characters are validate()'s concern)."""
    problems = []
    if r.name != file_name or not _NAME.fullmatch(r.name):
        problems.append(f"name {r.name!r} must match the file name and [a-z0-9][a-z0-9.-]*")
    if r.modality not in MODALITIES:
        problems.append(f"modality {r.modality!r} is not one of {', '.join(MODALITIES)}")
    if r.docker.network not in NETWORKS:
        problems.append(f"docker.network {r.docker.network!r} is not one of {', '.join(NETWORKS)}")
    if r.tensor_parallel_size < 1 or r.npus < 1 or r.npus % r.tensor_parallel_size:
        problems.append(f"npus {r.npus} must be a positive multiple of tensor_parallel_size "
                        f"{r.tensor_parallel_size}")
    for flag in _FORBIDDEN_ARGS:
        if _flag_at(r.vllm_args, flag) is not None:
            problems.append(f"vllm_args must not hold {flag} (the renderer sets the model; the key "
                            f"comes from {API_KEY_VAR})")
    for flag, expected in ((_SERVED_NAME, r.served_model_name), (_TP, str(r.tensor_parallel_size))):
        at = _flag_at(r.vllm_args, flag)
        if at is not None and _flag_value(r.vllm_args, at) != expected:
            problems.append(f"vllm_args {flag} {_flag_value(r.vllm_args, at)!r} disagrees with {expected!r}")
    for d in r.differences:
        if not d.reason.strip() or "\n" in d.reason:
            problems.append(f"difference {d.item!r} needs a one-line reason")
    return problems


# ---------------------------------------------------------------- vllm_args helpers

def _flag_name(token: str) -> str:
    return token.partition("=")[0].replace("_", "-")


def _flag_at(args: tuple[str, ...] | list[str], flag: str) -> int | None:
    """Index of `flag` in args, in either spelling (--a-b / --a_b) and form (--f v / --f=v)."""
    aliases = {flag, "-tp"} if flag == _TP else {flag}
    for i, token in enumerate(args):
        if _flag_name(token) in aliases:
            return i
    return None


def _flag_value(args: tuple[str, ...] | list[str], at: int) -> str | None:
    name, eq, value = args[at].partition("=")
    if eq:
        return value
    return args[at + 1] if at + 1 < len(args) else None


# ---------------------------------------------------------------- validation

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
    return problems + _recipe_value_problems(dep.recipe)


def _checked(dep: Deployment) -> Deployment:
    problems = validate(dep)
    if problems:
        raise RecipeError("invalid deployment: " + "; ".join(problems))
    return dep


# ---------------------------------------------------------------- rendering

def _model_mount(dep: Deployment) -> str:
    return f"{MODEL_DIR}/{dep.recipe.name}"


def _serve_argv(dep: Deployment) -> list[str]:
    r = dep.recipe
    port = dep.port if r.docker.network == "host" else r.docker.port
    args = list(r.vllm_args)
    head: list[str] = []
    for flag, value in ((_SERVED_NAME, r.served_model_name), (_PORT, str(port))):
        at = _flag_at(args, flag)
        if at is None:
            head += [flag, value]
        elif "=" in args[at]:
            args[at] = f"{args[at].partition('=')[0]}={value}"
        else:
            args[at + 1:at + 2] = [value]
    tail = [_TP, str(r.tensor_parallel_size)] if r.tensor_parallel_size > 1 and _flag_at(args, _TP) is None else []
    model = _model_mount(dep) if dep.model_source else r.model
    return ["vllm", "serve", model, *head, *args, *tail, *dep.extra_args]


def _env(dep: Deployment) -> dict[str, str]:
    env: dict[str, str] = {}
    if dep.jemalloc_path:
        env["LD_PRELOAD"] = dep.jemalloc_path
    env["ASCEND_RT_VISIBLE_DEVICES"] = ",".join(str(i) for i in range(len(dep.devices)))
    if dep.recipe.tensor_parallel_size > 1:
        env[HCCL_EXPANSION[0]] = HCCL_EXPANSION[1]
    env.update(dep.recipe.env)
    env.update(dep.extra_env)
    return env


def vllm_serve_argv(dep: Deployment) -> list[str]:
    """`vllm serve MODEL --served-model-name N --port P <the recipe's flags> [--tensor-parallel-size T]`."""
    return _serve_argv(_checked(dep))


def service_env(dep: Deployment) -> dict[str, str]:
    """The container's variables: LD_PRELOAD, ASCEND_RT_VISIBLE_DEVICES, HCCL (TP > 1), the recipe's, extra_env.

    Later ones win. VLLM_API_KEY is not here: its value never passes through the renderer.
    """
    return _env(_checked(dep))


def docker_run_argv(dep: Deployment) -> list[str]:
    """The whole `docker run -d ... IMAGE vllm serve ...` argv for one deployment."""
    spec = _checked(dep).recipe.docker
    argv = ["docker", "run", "-d", "--name", dep.container_name]
    for chip in dep.devices:
        argv += ["--device", _on_host(dep, f"/dev/davinci{chip}")]
    for device in spec.devices:
        argv += ["--device", _on_host(dep, device)]
    for mount in spec.mounts:
        source, _, target = mount.partition(":")
        argv += ["-v", _on_host(dep, source) + (":" + target if target else "")]
    if dep.model_source:
        argv += ["-v", f"{dep.model_source}:{_model_mount(dep)}:ro"]
    if spec.shm_size:
        argv += ["--shm-size", spec.shm_size]
    argv += ["--network", "host"] if spec.network == "host" else ["-p", f"{dep.port}:{spec.port}"]
    for key, value in _env(dep).items():
        argv += ["-e", f"{key}={value}"]
    if dep.api_key_set:
        argv += ["--env-file", dep.api_key_file]
    for key, value in dep.labels.items():
        argv += ["--label", f"{key}={value}"]
    return [*argv, *LOG_OPTIONS, "--restart", RESTART_POLICY, dep.image, *_serve_argv(dep)]


def _on_host(dep: Deployment, path: str) -> str:
    """A host path of the recipe under `host_root`; a device keeps its container path."""
    if dep.host_root == "/":
        return path
    moved = dep.host_root.rstrip("/") + path
    return f"{moved}:{path}" if path.startswith("/dev/") else moved


def shell_line(argv: list[str]) -> str:
    """The argv as one copy-pasteable shell line, for showing what will run."""
    return shlex.join(argv)
