"""A host's vLLM services, as the inventory describes them, checked together and rendered.

The Ansible roles call this on the controller before anything on a host changes, so every
mistake in the inventory is reported at once, with the field that holds it.

A service in the inventory::

    - name: qwen3vl                 # container name
      recipe: qwen3-vl-4b           # doctor/recipes/<recipe>.json
      devices: [0]                  # host chip numbers (/dev/davinciN)
      port: 8000                    # host port of the API
      model_source: /data/models/Qwen3-VL-4B-Instruct   # optional: weights on the host, mounted read-only
      api_key_set: false            # true: VLLM_API_KEY comes from the environment docker runs in (vault)
      extra_env: {}                 # more container variables
      extra_args: []                # more `vllm serve` flags, last wins
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace

from doctor import recipes

HEALTH_INTERVAL_S = 2
CONFIG_LABEL = "ascend-doctor.config"
SERVICE_LABEL = "ascend-doctor.service"
SERVICE_KEYS = {"name", "recipe", "devices", "port", "model_source", "api_key_set", "extra_env", "extra_args"}


class PlanError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class HostSettings:
    image: str
    jemalloc_path: str | None = None
    host_root: str = "/"
    host_devices: tuple[int, ...] | None = None    # chips the host has, when known
    candidate_port_offset: int = 10000              # a changed service is first proven on port + offset
    secrets_dir: str = "/etc/ascend-doctor/services"   # where NAME.env (root only) holds a service's API key
    api_key_digest: str | None = None               # a slow keyed digest of the API key, never the key


def plan(services: object, settings: HostSettings) -> list[dict]:
    """Every service rendered; PlanError listing every problem when any is wrong."""
    if not isinstance(services, list):
        raise PlanError([f"vllm_services must be a list, not {type(services).__name__}"])
    problems, rendered = [], []
    for index, service in enumerate(services):
        where = f"vllm_services[{index}]" + (f" ({service.get('name')})" if isinstance(service, dict) else "")
        try:
            rendered.append(_render(service, settings))
        except PlanError as exc:
            problems += [f"{where}: {p}" for p in exc.problems]
    problems += _clashes(rendered)
    if problems:
        raise PlanError(problems)
    return rendered


def _deployment(service: object, settings: HostSettings) -> recipes.Deployment:
    if not isinstance(service, dict):
        raise PlanError([f"a service must be a mapping, not {type(service).__name__}"])
    unknown = sorted(set(service) - SERVICE_KEYS)
    missing = sorted({"name", "recipe", "devices", "port"} - set(service))
    problems = []
    if unknown:
        problems.append(f"unknown key(s) {', '.join(unknown)}")
    if missing:
        problems.append(f"missing {', '.join(missing)}")
    problems += _value_problems(service)
    if problems:
        raise PlanError(problems)
    try:
        recipe = recipes.load(str(service["recipe"]))
    except recipes.RecipeError as exc:
        raise PlanError([str(exc)]) from exc
    return recipes.Deployment(
        recipe=recipe, container_name=service["name"], image=settings.image,
        devices=tuple(service["devices"]) if isinstance(service["devices"], list) else service["devices"],
        port=service["port"], model_source=service.get("model_source"),
        api_key_set=service.get("api_key_set", False) is True, jemalloc_path=settings.jemalloc_path,
        api_key_file=f"{settings.secrets_dir}/{service['name']}.env" if service.get("api_key_set") is True else None,
        extra_env=dict(service.get("extra_env") or {}), extra_args=tuple(service.get("extra_args") or ()),
        host_root=settings.host_root,
    )


# Flags the role sets from the service's own fields; a second one in extra_args would win or clash.
MANAGED_FLAGS = ("--port", "--host", "--tensor-parallel-size", "-tp", "--api-key", "--served-model-name",
                 "--model")


def _value_problems(service: dict) -> list[str]:
    """Types and values the role cannot take as given: each names the field."""
    problems = []
    if "api_key_set" in service and not isinstance(service["api_key_set"], bool):
        problems.append(f"api_key_set: {service['api_key_set']!r} is not a boolean; write true or false "
                        "without quotes")
    for field, kind in (("extra_args", list), ("extra_env", dict)):
        if service.get(field) is not None and not isinstance(service[field], kind):
            problems.append(f"{field}: must be a {'list' if kind is list else 'mapping'}, "
                            f"not {type(service[field]).__name__}")
    if isinstance(service.get("extra_args"), list):
        problems += [f"extra_args: {arg.split('=')[0]} is set by the role from the service's fields; remove it"
                     for arg in service["extra_args"] if isinstance(arg, str) and arg.split("=")[0] in MANAGED_FLAGS]
    if isinstance(service.get("extra_env"), dict):
        problems += [f"extra_env: {key} looks like a secret, which `docker inspect` and the service definition "
                     "would show; keep it out of extra_env (the API key goes in the vault as vllm_api_key, with "
                     "api_key_set: true)" for key, value in service["extra_env"].items()
                     if _looks_secret(str(key), str(value))]
    return problems


def _looks_secret(name: str, value: str) -> bool:
    from doctor.redact import is_secret_name, redact_text

    return is_secret_name(name) or redact_text(f"{name}={value}") != f"{name}={value}"


def _render(service: object, settings: HostSettings) -> dict:
    dep = _deployment(service, settings)
    problems = recipes.validate(dep)
    if not isinstance(dep.devices, tuple):
        problems.append(f"devices: {dep.devices!r} is not a list of chip numbers")
    if settings.host_devices is not None and isinstance(dep.devices, tuple):
        absent = [d for d in dep.devices if d not in settings.host_devices]
        if absent:
            problems.append(f"devices: {', '.join(map(str, absent))} not on this host (it has "
                            f"{', '.join(map(str, settings.host_devices)) or 'no NPU'})")
    candidate_port = dep.port + settings.candidate_port_offset if isinstance(dep.port, int) else None
    if candidate_port is not None and not 1 <= candidate_port <= 65535:
        problems.append(f"port: {dep.port} + candidate offset {settings.candidate_port_offset} is past 65535")
    if problems:
        raise PlanError(problems)
    config = config_hash(dep, settings.api_key_digest if dep.api_key_set else None)
    final = replace(dep, labels={CONFIG_LABEL: config, SERVICE_LABEL: dep.container_name})
    candidate = replace(final, container_name=f"{dep.container_name}-candidate", port=candidate_port)
    inside = dep.recipe.docker.port if dep.recipe.docker.network != "host" else None
    return {
        "name": dep.container_name, "recipe": dep.recipe.name, "served_model_name": dep.recipe.served_model_name,
        "modality": dep.recipe.modality, "port": dep.port, "candidate_port": candidate_port,
        "devices": list(dep.devices), "tp": dep.recipe.tensor_parallel_size,
        "network": dep.recipe.docker.network, "config": config,
        "api_key_set": dep.api_key_set,
        "argv": recipes.docker_run_argv(final),
        "launch_argv": launch_argv(recipes.docker_run_argv(final), inside or final.port),
        "candidate_launch_argv": launch_argv(recipes.docker_run_argv(candidate), inside or candidate.port),
        "command": recipes.shell_line(recipes.docker_run_argv(final)),
    }


def launch_argv(argv: list[str], port: int) -> list[str]:
    """How a container is first started: without a restart policy, so a model that fails to load
    stops instead of restarting forever, and with a health check the deploy waits on. The role
    sets the policy of the definition once the container has proved itself."""
    at = argv.index("--restart")
    probe = ("python3 -c \"import urllib.request; "
             f"urllib.request.urlopen('http://127.0.0.1:{port}/health', timeout=5)\"")
    health = ["--health-cmd", probe, "--health-interval", f"{HEALTH_INTERVAL_S}s", "--health-timeout", "6s",
              "--health-retries", "3"]
    return [*argv[:at], *health, "--restart", "no", *argv[at + 2:]]


def config_hash(dep: recipes.Deployment, api_key_digest: str | None = None) -> str:
    """What the container runs, without its labels, and which API key it takes (by a digest of it):
    equal hashes mean nothing to change, and a new key is a change."""
    argv = recipes.docker_run_argv(replace(dep, labels={}))
    return hashlib.sha256(json.dumps([argv, api_key_digest]).encode()).hexdigest()[:16]


def api_key_digest(api_key: str, host: str) -> str:
    """A slow, salted digest of the key: it changes with the key, and the label that carries the config
    hash (readable by anyone who may run `docker inspect`) cannot be turned back into the key."""
    return hashlib.scrypt(api_key.encode(), salt=f"ascend-doctor:{host}".encode(), n=2 ** 14, r=8, p=1,
                          dklen=16).hex()


def _clashes(rendered: list[dict]) -> list[str]:
    """Names, ports (with candidate ports) and devices that two services claim."""
    problems = []
    for field, claims in (("name", lambda s: [s["name"]]),
                          ("port", lambda s: [s["port"], s["candidate_port"]]),
                          ("device", lambda s: s["devices"])):
        owners: dict[object, int] = {}
        for index, service in enumerate(rendered):
            for item in claims(service):
                first = owners.setdefault(item, index)
                if first != index:
                    problems.append(f"{field} {item} is used by both {rendered[first]['name']} and {service['name']}")
    return problems
