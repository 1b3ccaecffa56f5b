"""A host's vLLM services, as the inventory describes them, checked together and rendered.

The Ansible roles call this on the controller before anything on a host changes, so every
mistake in the inventory is reported at once, with the field that holds it.

A service in the inventory::

    - name: qwen3vl                 # container name
      recipe: qwen3-vl-4b           # doctor/recipes/<recipe>.json
      devices: [0]                  # host chip numbers (/dev/davinciN)
      port: 8000                    # host port of the API
      image: quay.io/ascend/vllm-ascend:v0.11.0rc0   # optional: this service's image; default vllm_image,
                                    # else the tag the recipe was proven with (recipe docker.image_tag)
      spare_devices: [4]            # optional: free chips a changed configuration is first proven on
      model_source: /data/models/Qwen3-VL-4B-Instruct   # optional: weights on the host, mounted read-only
      api_key_set: false            # true: VLLM_API_KEY comes from the environment docker runs in (vault)
      extra_env: {}                 # more container variables
      extra_args: []                # more `vllm serve` flags, last wins

An image needs a tag or a digest. A digest (a service image's own `@sha256:...`, or the host's
`image_digest` for services on `vllm_image`) is enforced: the container runs `name@sha256:...`,
so a new digest is a new configuration.

A changed service is replaced one of two ways (`replace_strategy`). With `spare_devices`, a
candidate container runs the new configuration on the spare chips and `port + offset` while the
old one keeps serving, and the old one is only replaced once the candidate has proved itself
("candidate"). Without, the old container is stopped first, since its chips cannot hold two
models ("stop-first"). Services may share spare chips: the role replaces one at a time.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from dataclasses import dataclass, replace

from doctor import compat, deploy_layout, image_ref, recipes

HEALTH_INTERVAL_S = 30          # the deploy polls health_argv itself; docker's check is for the service's life
HEALTH_TIMEOUT_S = 10           # the probe gives up after 5 s; the rest is python3 starting in a busy container
HEALTH_RETRIES = 3
# Failed probes in this window do not count: loading tens of GB of weights onto the chips and
# compiling graphs takes minutes for the larger recipes, and a loading model is not unhealthy.
HEALTH_START_PERIOD_S = 600
HEALTH_PROBE_TIMEOUT_S = 5
CONFIG_LABEL = "ascend-doctor.config"
SERVICE_LABEL = "ascend-doctor.service"
SERVICE_KEYS = {"name", "recipe", "devices", "port", "image", "spare_devices", "model_source", "api_key_set",
                "extra_env", "extra_args"}
REQUIRED_KEYS = {"name", "recipe", "devices", "port"}
CANDIDATE, STOP_FIRST = "candidate", "stop-first"
MAX_NAME_LENGTH = 60              # a name is also a file name and a label value; leaves room for the suffixes
_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")   # docker's container name rule, as recipes.validate has it
# Rendered in place of a host image that is itself wrong (reported once for the host), so the
# services on it still have their own problems found.
_STAND_IN = image_ref.ImageRef(registry=None, repository="vllm-ascend", tag="invalid")


class PlanError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class HostSettings:
    image: str | None = None                        # vllm_image: for services without an image of their own
    jemalloc_path: str | None = None                # LD_PRELOAD for every service; None: from each image and arch
    host_root: str = "/"
    host_devices: tuple[int, ...] | None = None    # chips the host has, when known
    candidate_port_offset: int = 10000              # a changed service is first proven on port + offset
    secrets_dir: str = deploy_layout.DEFINITIONS_DIR   # where NAME.env (root only) holds a service's API key
    api_key_digest: str | None = None               # a slow keyed digest of the API key, never the key
    image_digest: str | None = None                 # pins vllm_image (not a service's own image)
    arch: str | None = None                         # ansible_facts.architecture; None (and no jemalloc_path):
                                                    # no LD_PRELOAD, for callers that do not deploy


def plan(services: object, settings: HostSettings) -> list[dict]:
    """Every service rendered; PlanError listing every problem when any is wrong."""
    if not isinstance(services, list):
        raise PlanError([f"vllm_services must be a list, not {type(services).__name__}"])
    host_ref, problems = _host_image(settings)
    problems += _arch_problems(settings)
    rendered = []
    for index, service in enumerate(services):
        try:
            rendered.append(_render(service, settings, host_ref))
        except PlanError as exc:
            problems += [f"{_where(index, service)}: {p}" for p in exc.problems]
    problems += _clashes(rendered)
    if problems:
        raise PlanError(problems)
    return rendered


def service_names(services: object) -> list[str]:
    """The services' names alone, for removing or listing them: no recipe or chip needs to be valid."""
    if not isinstance(services, list):
        raise PlanError([f"vllm_services must be a list, not {type(services).__name__}"])
    problems, names = [], []
    for index, service in enumerate(services):
        if not isinstance(service, dict):
            found = [f"a service must be a mapping, not {type(service).__name__}"]
        else:
            found = name_problems(service["name"]) if "name" in service else ["missing name"]
        problems += [f"{_where(index, service)}: {p}" for p in found]
        if not found:
            names.append(service["name"])
    problems += [f"name {name} is used by more than one service" for name in sorted(set(names))
                 if names.count(name) > 1]
    if problems:
        raise PlanError(problems)
    return names


def images(rendered: list[dict]) -> list[dict]:
    """The distinct images a host's services run, in plan order: what the role fetches, and the registry
    a login is for (docker.io when the reference names none)."""
    distinct: dict[str, dict] = {}
    for service in rendered:
        registry = image_ref.parse(service["image"]).registry or "docker.io"
        distinct.setdefault(service["image"], {"pull": service["image_pull"], "digest": service["image_digest"],
                                               "tag_ref": service["image_tag_ref"], "image": service["image"],
                                               "registry": registry})
    return list(distinct.values())


def name_problems(name: object) -> list[str]:
    if not isinstance(name, str):
        return [f"name: {name!r} is not a string; quote it"]
    if not _NAME.fullmatch(name):
        return [f"name: {name!r} is not a docker container name (letters, digits, '_', '.', '-', starting "
                "with a letter or digit, at least 2 characters)"]
    problems = []
    if len(name) > MAX_NAME_LENGTH:
        problems.append(f"name: {name!r} is {len(name)} characters; at most {MAX_NAME_LENGTH}")
    problems += [f"name: {name!r} ends in {suffix}, which the role gives its own containers"
                 for suffix in deploy_layout.CONTAINER_SUFFIXES if name.endswith(suffix)]
    return problems


def _where(index: int, service: object) -> str:
    named = isinstance(service, dict) and "name" in service
    return f"vllm_services[{index}]" + (f" ({service['name']})" if named else "")


# ---------------------------------------------------------------- images and jemalloc

def _host_image(settings: HostSettings) -> tuple[image_ref.ImageRef | None, list[str]]:
    """vllm_image with image_digest applied, and what is wrong with either (reported once for the host)."""
    digest = settings.image_digest or None
    problems = []
    if digest is not None:
        try:
            image_ref.check_digest(digest)
        except image_ref.ImageRefError as exc:
            problems.append(f"image_digest: {exc}")
    if not settings.image:
        if digest is not None:
            problems.append("image_digest: it pins vllm_image, which is not set")
        return None, problems
    try:
        ref = image_ref.parse(settings.image)
    except image_ref.ImageRefError as exc:
        return _STAND_IN, [*problems, f"vllm_image: {exc}"]
    if digest is not None and not problems:
        if ref.digest not in (None, digest):
            problems.append(f"image_digest: {digest} disagrees with the digest in vllm_image {settings.image}")
        ref = replace(ref, digest=digest)
    if ref.tag is None and ref.digest is None:
        problems.append(f"vllm_image: {settings.image!r} has no tag or digest; pin a tag such as :v0.11.0rc0")
    return (_STAND_IN if problems else ref), problems


def _service_image(service: dict, host_ref: image_ref.ImageRef | None) -> tuple[image_ref.ImageRef, list[str]]:
    own = service.get("image")
    if own is None or own == "":
        if host_ref is not None:
            return host_ref, []
        return _recipe_image(service)
    try:
        ref = image_ref.parse(own)
    except image_ref.ImageRefError as exc:
        return _STAND_IN, [f"image: {exc}"]
    if ref.tag is None and ref.digest is None:
        return _STAND_IN, [f"image: {own!r} has no tag or digest; pin a tag such as :v0.11.0rc0"]
    return ref, []


def _recipe_image(service: dict) -> tuple[image_ref.ImageRef, list[str]]:
    """The image the service's recipe was proven with, for a service and host that name none."""
    unset = "image: not given, and the host has no vllm_image"
    try:
        docker = recipes.load(str(service.get("recipe"))).docker
    except recipes.RecipeError:
        return _STAND_IN, [f"{unset}; set one of them"]      # the recipe's own problem is reported with it
    if docker.image_tag is None:
        return _STAND_IN, [f"{unset}, and recipe {service['recipe']} names no tag it was proven with; "
                           "set one of them"]
    return image_ref.parse(f"{docker.image}:{docker.image_tag}"), []


def _jemalloc(ref: image_ref.ImageRef, settings: HostSettings) -> tuple[str | None, list[str]]:
    """LD_PRELOAD for a service: the host's explicit path, else where the image's OS keeps the library."""
    if settings.jemalloc_path or not settings.arch:
        return settings.jemalloc_path or None, []
    # The vllm-ascend images are Ubuntu unless the tag says openEuler; a foreign tag is taken as Ubuntu too.
    family = "openEuler" if ref.tag and compat.image_tag_os(ref.tag) == "openeuler" else "ubuntu"
    path = compat.jemalloc_path(family, settings.arch)
    if path is None and _arch_known(settings.arch):       # an unknown one is reported once, for the host
        return None, [f"arch: no libjemalloc path is known for {settings.arch!r} in {family} images ({ref}); "
                      "set vllm_jemalloc_path"]
    return path, []


def _arch_problems(settings: HostSettings) -> list[str]:
    if settings.jemalloc_path or not settings.arch or _arch_known(settings.arch):
        return []
    return [f"arch: no libjemalloc path is known for architecture {settings.arch!r}; set vllm_jemalloc_path"]


def _arch_known(arch: str) -> bool:
    return any(compat.jemalloc_path(family, arch) for family in ("ubuntu", "openEuler"))


# ---------------------------------------------------------------- one service

def _render(service: object, settings: HostSettings, host_ref: image_ref.ImageRef | None) -> dict:
    if not isinstance(service, dict):
        raise PlanError([f"a service must be a mapping, not {type(service).__name__}"])
    shape = _key_problems(service) + _value_problems(service)
    ref, problems = _service_image(service, host_ref)
    if shape:
        raise PlanError(shape + problems)
    jemalloc, more = _jemalloc(ref, settings) if not problems else (None, [])
    problems += more
    try:
        dep = _deployment(service, settings, ref, jemalloc)
    except PlanError as exc:
        raise PlanError(problems + exc.problems) from exc
    spare = tuple(service.get("spare_devices") or ())
    # The inventory's field is `name`, checked above with the role's own rules.
    problems += [p for p in recipes.validate(dep) if not p.startswith("container_name:")]
    problems += _host_device_problems("devices", dep.devices, settings)
    problems += _spare_problems(spare, dep.devices, settings)
    candidate_port = dep.port + settings.candidate_port_offset if spare else None
    if candidate_port is not None and not 1 <= candidate_port <= 65535:
        problems.append(f"port: {dep.port} + candidate offset {settings.candidate_port_offset} is past 65535")
    if problems:
        raise PlanError(problems)
    return _rendered(dep, ref, spare, candidate_port, settings)


def _deployment(service: dict, settings: HostSettings, ref: image_ref.ImageRef,
                jemalloc: str | None) -> recipes.Deployment:
    try:
        recipe = recipes.load(str(service["recipe"]))
    except recipes.RecipeError as exc:
        raise PlanError([str(exc)]) from exc
    keyed = service.get("api_key_set") is True
    return recipes.Deployment(
        recipe=recipe, container_name=service["name"], image=ref.run_ref, devices=tuple(service["devices"]),
        port=service["port"], model_source=service.get("model_source"), api_key_set=keyed,
        jemalloc_path=jemalloc,
        api_key_file=deploy_layout.file_path(service["name"], "api_key", settings.secrets_dir) if keyed else None,
        extra_env=dict(service.get("extra_env") or {}), extra_args=tuple(service.get("extra_args") or ()),
        host_root=settings.host_root,
    )


def _rendered(dep: recipes.Deployment, ref: image_ref.ImageRef, spare: tuple[int, ...],
              candidate_port: int | None, settings: HostSettings) -> dict:
    config = config_hash(dep, settings.api_key_digest if dep.api_key_set else None)
    final = replace(dep, labels={CONFIG_LABEL: config, SERVICE_LABEL: dep.container_name})
    argv = recipes.docker_run_argv(final)
    launch = launch_argv(argv, _port_inside(final))
    candidate = replace(final, container_name=deploy_layout.candidate_name(dep.container_name), port=candidate_port,
                        devices=spare) if spare else None
    return {
        "name": dep.container_name, "recipe": dep.recipe.name, "served_model_name": dep.recipe.served_model_name,
        "modality": dep.recipe.modality,
        "image": ref.run_ref, "image_pull": ref.run_ref, "image_tag_ref": ref.tagged, "image_digest": ref.digest or "",
        "port": dep.port, "candidate_port": candidate_port, "devices": list(dep.devices),
        "spare_devices": list(spare), "replace_strategy": CANDIDATE if spare else STOP_FIRST,
        "tp": dep.recipe.tensor_parallel_size, "network": dep.recipe.docker.network, "config": config,
        "api_key_set": dep.api_key_set, "jemalloc_path": dep.jemalloc_path,
        "argv": argv,
        "launch_argv": launch,
        "candidate_launch_argv": launch_argv(recipes.docker_run_argv(candidate), _port_inside(candidate))
        if candidate else None,
        "health_argv": health_argv(_port_inside(final)),
        "port_inside": _port_inside(final),
        "benchmark": dict(dep.recipe.benchmark),
        "candidate_health_argv": health_argv(_port_inside(candidate)) if candidate else None,
        "command": recipes.shell_line(argv),
        "definition": {"name": dep.container_name, "recipe": dep.recipe.name, "config": config,
                       "image": ref.run_ref, "command": argv, "launch_argv": launch, "devices": list(dep.devices),
                       "port": dep.port, "api_key_set": dep.api_key_set},
    }


def _port_inside(dep: recipes.Deployment) -> int:
    """Where vLLM listens inside the container: the recipe's port, or the host's with host networking."""
    return dep.port if dep.recipe.docker.network == "host" else dep.recipe.docker.port


# Flags the role sets from the service's own fields; a second one in extra_args would win or clash.
MANAGED_FLAGS = ("--port", "--host", "--tensor-parallel-size", "-tp", "--api-key", "--served-model-name",
                 "--model")


def _key_problems(service: dict) -> list[str]:
    unknown = sorted(map(str, set(service) - SERVICE_KEYS))
    missing = sorted(REQUIRED_KEYS - set(service))
    return ([f"unknown key(s) {', '.join(unknown)}"] if unknown else []) + \
        ([f"missing {', '.join(missing)}"] if missing else [])


def _value_problems(service: dict) -> list[str]:
    """Types and values the role cannot take as given: each names the field."""
    problems = name_problems(service["name"]) if "name" in service else []
    if "api_key_set" in service and not isinstance(service["api_key_set"], bool):
        problems.append(f"api_key_set: {service['api_key_set']!r} is not a boolean; write true or false "
                        "without quotes")
    for field, kind in (("extra_args", list), ("extra_env", dict), ("spare_devices", list)):
        if service.get(field) is not None and not isinstance(service[field], kind):
            problems.append(f"{field}: must be a {'list' if kind is list else 'mapping'}, "
                            f"not {type(service[field]).__name__}")
    if "devices" in service and not isinstance(service["devices"], list):
        problems.append(f"devices: {service['devices']!r} is not a list of chip numbers")
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


def _host_device_problems(field: str, chips: tuple[int, ...], settings: HostSettings) -> list[str]:
    if settings.host_devices is None:
        return []
    absent = [d for d in chips if d not in settings.host_devices]
    if not absent:
        return []
    return [f"{field}: {', '.join(map(str, absent))} not on this host (it has "
            f"{', '.join(map(str, settings.host_devices)) or 'no NPU'})"]


def _spare_problems(spare: tuple[int, ...], devices: tuple[int, ...], settings: HostSettings) -> list[str]:
    if not spare:
        return []
    bad = [c for c in spare if isinstance(c, bool) or not isinstance(c, int) or c < 0]
    if bad:
        return [f"spare_devices: {', '.join(map(repr, bad))} not a chip number (an integer >= 0)"]
    problems = []
    repeated = sorted({c for c in spare if spare.count(c) > 1})
    if repeated:
        problems.append(f"spare_devices: {', '.join(map(str, repeated))} listed more than once")
    if len(spare) != len(devices):
        problems.append(f"spare_devices: {len(spare)} given for {len(devices)} device(s); the candidate needs "
                        "as many chips as the service")
    own = sorted(set(spare) & set(devices))
    if own:
        problems.append(f"spare_devices: {', '.join(map(str, own))} also in this service's devices")
    return problems + _host_device_problems("spare_devices", spare, settings)


# ---------------------------------------------------------------- argv pieces

def health_argv(port: int) -> list[str]:
    """The health probe, run inside the container: exit 0 when vLLM answers /health on `port`."""
    code = ("import urllib.request; "
            f'urllib.request.urlopen("http://127.0.0.1:{port}/health", timeout={HEALTH_PROBE_TIMEOUT_S})')
    return ["python3", "-c", code]


def launch_argv(argv: list[str], port: int) -> list[str]:
    """How a container is first started: without a restart policy, so a model that fails to load
    stops instead of restarting forever, and with docker's health check (the same probe as
    health_argv). The role sets the policy of the definition once the container has proved itself."""
    at = argv.index("--restart")
    health = ["--health-cmd", shlex.join(health_argv(port)), "--health-interval", f"{HEALTH_INTERVAL_S}s",
              "--health-timeout", f"{HEALTH_TIMEOUT_S}s", "--health-retries", str(HEALTH_RETRIES),
              "--health-start-period", f"{HEALTH_START_PERIOD_S}s"]
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
    """Names, ports (with candidate ports) and devices that two services claim, and spare chips
    that another service serves on."""
    problems = []
    for field, claims in (("name", lambda s: [s["name"]]),
                          ("port", lambda s: [s["port"]] + ([s["candidate_port"]] if s["candidate_port"] else [])),
                          ("device", lambda s: s["devices"])):
        owners: dict[object, int] = {}
        for index, service in enumerate(rendered):
            for item in claims(service):
                first = owners.setdefault(item, index)
                if first != index:
                    problems.append(f"{field} {item} is used by both {rendered[first]['name']} and {service['name']}")
    serving = {chip: service["name"] for service in rendered for chip in service["devices"]}
    problems += [f"spare_devices: {chip} of {service['name']} is a device of {serving[chip]}"
                 for service in rendered for chip in service["spare_devices"]
                 if chip in serving and serving[chip] != service["name"]]
    return problems
