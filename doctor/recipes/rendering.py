"""Renders a Deployment as the `docker run` argv that starts it, never through a shell.

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

Each of these departures from the seeds is written once, with its reason, in `_shared.json`
(`renderer_differences`); a recipe's file lists only its own.
"""

from __future__ import annotations

import shlex
from dataclasses import replace

from doctor.recipes import flags
from doctor.recipes.files import shared
from doctor.recipes.model import Deployment, Difference, Recipe
from doctor.recipes.validation import checked

MODEL_DIR = "/models"                 # where model_source is mounted: /models/<recipe name>
RESTART_POLICY = "unless-stopped"
# json-file with rotation: a serving container logs every request, and docker keeps its log unbounded.
LOG_OPTIONS = ("--log-driver", "json-file", "--log-opt", "max-size=100m", "--log-opt", "max-file=5")
HCCL_EXPANSION = ("HCCL_OP_EXPANSION_MODE", "AIV")


def container_chips(count: int) -> str:
    """ASCEND_RT_VISIBLE_DEVICES for `count` mounted chips: inside the container they are 0..count-1."""
    return ",".join(str(i) for i in range(count))


def renderer_differences(recipe: Recipe) -> tuple[Difference, ...]:
    """The renderer's departures from the seeds, as they read for this recipe's example deployment.

    `_shared.json` writes the two values that depend on the recipe as `{served_model_name}` and
    `{container_chips}`. An item the recipe names itself is its own entry's, not the renderer's.
    A seed that already does the same has no such difference; tests/test_recipes.py tells which.
    """
    own = {d.item for d in recipe.differences}
    values = {"served_model_name": recipe.served_model_name, "container_chips": container_chips(recipe.npus)}
    return tuple(replace(d, ours=d.ours.format(**values)) if isinstance(d.ours, str) else d
                 for d in shared().differences if d.item not in own)


def _model_mount(dep: Deployment) -> str:
    return f"{MODEL_DIR}/{dep.recipe.name}"


def _serve_argv(dep: Deployment) -> list[str]:
    r = dep.recipe
    port = dep.port if r.docker.network == "host" else r.docker.port
    args = list(r.vllm_args)
    head: list[str] = []
    for flag, value in ((flags.SERVED_NAME, r.served_model_name), (flags.PORT, str(port))):
        at = flags.flag_at(args, flag)
        if at is None:
            head += [flag, value]
        elif "=" in args[at]:
            args[at] = f"{args[at].partition('=')[0]}={value}"
        else:
            args[at + 1:at + 2] = [value]
    recipe_sets_tp = flags.flag_at(args, flags.TP) is not None
    tail = [flags.TP, str(r.tensor_parallel_size)] if r.tensor_parallel_size > 1 and not recipe_sets_tp else []
    model = _model_mount(dep) if dep.model_source else r.model
    return ["vllm", "serve", model, *head, *args, *tail, *dep.extra_args]


def _env(dep: Deployment) -> dict[str, str]:
    env: dict[str, str] = {}
    if dep.jemalloc_path:
        env["LD_PRELOAD"] = dep.jemalloc_path
    env["ASCEND_RT_VISIBLE_DEVICES"] = container_chips(len(dep.devices))
    if dep.recipe.tensor_parallel_size > 1:
        env[HCCL_EXPANSION[0]] = HCCL_EXPANSION[1]
    env.update(dep.recipe.env)
    env.update(dep.extra_env)
    return env


def vllm_serve_argv(dep: Deployment) -> list[str]:
    """`vllm serve MODEL --served-model-name N --port P <the recipe's flags> [--tensor-parallel-size T]`."""
    return _serve_argv(checked(dep))


def service_env(dep: Deployment) -> dict[str, str]:
    """The container's variables: LD_PRELOAD, ASCEND_RT_VISIBLE_DEVICES, HCCL (TP > 1), the recipe's, extra_env.

    Later ones win. VLLM_API_KEY is not here: its value never passes through the renderer.
    """
    return _env(checked(dep))


def docker_run_argv(dep: Deployment) -> list[str]:
    """The whole `docker run -d ... IMAGE vllm serve ...` argv for one deployment."""
    spec = checked(dep).recipe.docker
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
