"""Reads the recipe files in this folder into Recipes (their format: the package docstring).

`_shared.json` holds what every recipe has unless it says otherwise (the seeds' container
set-up) and the renderer's own departures from the seeds; its name can be no recipe's. Every
other `<name>.json` is a recipe or a variant of one.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, replace
from importlib import resources
from types import MappingProxyType

from doctor.recipes import flags
from doctor.recipes.model import (
    API_KEY_VAR,
    MODALITIES,
    NETWORKS,
    Difference,
    DockerSpec,
    Recipe,
    RecipeError,
    Resources,
    SeedRef,
)
from doctor.recipes.shape import strings, take, typed

NAME = re.compile(r"[a-z0-9][a-z0-9.-]*")
SHARED = "_shared"
RECIPE_KEYS = ("name", "seed", "model", "served_model_name", "modality", "tensor_parallel_size", "npus",
               "vllm_args", "env", "docker", "resources", "differences")
VARIANT_KEYS = ("name", "variant_of", "model", "served_model_name", "reason")
SHARED_KEYS = ("source", "docker", "differences", "benchmark")
SHARED_DOCKER_KEYS = ("image", "devices", "mounts", "port", "shm_size")
DOCKER_KEYS = ("container_name", "image", "image_tag", "devices", "mounts", "port", "shm_size", "network")
DIFFERENCE_KEYS = ("item", "seed", "ours", "reason")
OPTIONAL_RECIPE_KEYS = ("benchmark",)
# What `ascend-doctor bench` and the evaluate role run by default: (key, allowed JSON types).
BENCHMARK_KEYS = (("dataset", (str,)), ("input_len", (int,)), ("output_len", (int, type(None))),
                  ("num_prompts", (int,)), ("request_rate", (int, float, type(None))), ("concurrency", (list,)),
                  ("source", (str,)))


@dataclass(frozen=True)
class Shared:
    docker: MappingProxyType            # SHARED_DOCKER_KEYS as written; checked with each recipe's own
    differences: tuple[Difference, ...]
    benchmark: MappingProxyType         # BENCHMARK_KEYS, each recipe's unless it sets its own


def _folder():
    return resources.files("doctor.recipes")


def _read(stem: str, where: str) -> object:
    text = _folder().joinpath(f"{stem}.json").read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecipeError(f"{where}: not JSON: {exc}") from None


def names() -> list[str]:
    """Every recipe and variant shipped with the package, sorted."""
    stems = (entry.name[:-len(".json")] for entry in _folder().iterdir() if entry.name.endswith(".json"))
    return sorted(stem for stem in stems if NAME.fullmatch(stem))


def load(name: str) -> Recipe:
    known = names()
    if name not in known:
        raise RecipeError(f"unknown recipe {name!r}; known: {', '.join(known)}")
    data = _read(name, f"recipe {name!r}")
    if isinstance(data, dict) and "variant_of" in data:
        return parse_variant(data, name)
    return parse(data, name)


@functools.lru_cache(maxsize=None)
def shared() -> Shared:
    """The container set-up and the differences every recipe shares (`_shared.json`)."""
    where = f"recipes {SHARED}.json"
    top = take(_read(SHARED, where), SHARED_KEYS, where)
    typed(top["source"], (str,), f"{where} source")
    docker = take(top["docker"], SHARED_DOCKER_KEYS, f"{where} docker")
    return Shared(docker=MappingProxyType(dict(docker)),
                  differences=_differences(top["differences"], f"{where} differences"),
                  benchmark=MappingProxyType(_benchmark(top["benchmark"], {}, f"{where} benchmark")))


def _benchmark(own: object, shared_settings: dict, where: str) -> dict:
    """The benchmark settings: the shared ones with the recipe's own over them, every key checked."""
    settings = {**shared_settings, **typed(own, (dict,), where)}
    take(settings, tuple(key for key, _ in BENCHMARK_KEYS), where)
    for key, kinds in BENCHMARK_KEYS:
        typed(settings[key], kinds, f"{where}.{key}")
    for i, level in enumerate(settings["concurrency"]):
        if typed(level, (int,), f"{where}.concurrency[{i}]") < 1:
            raise RecipeError(f"{where}.concurrency[{i}]: expected a positive whole number, got {level}")
    return settings


def parse(data: object, name: str) -> Recipe:
    """A recipe file's JSON, with the shared container set-up under its own, checked."""
    where = f"recipe {name!r}"
    own_benchmark = data.get("benchmark", {}) if isinstance(data, dict) else {}
    top = take({k: v for k, v in data.items() if k not in OPTIONAL_RECIPE_KEYS} if isinstance(data, dict) else data,
               RECIPE_KEYS, where)
    seed = take(top["seed"], ("file", "document", "section"), f"{where} seed")
    res = take(top["resources"], ("min_hbm_gib_per_chip", "note"), f"{where} resources")
    env = typed(top["env"], (dict,), f"{where} env")
    recipe = Recipe(
        name=typed(top["name"], (str,), f"{where} name"),
        seed=SeedRef(*(typed(seed[k], (str,), f"{where} seed.{k}") for k in ("file", "document", "section"))),
        model=typed(top["model"], (str,), f"{where} model"),
        served_model_name=typed(top["served_model_name"], (str,), f"{where} served_model_name"),
        modality=typed(top["modality"], (str,), f"{where} modality"),
        tensor_parallel_size=typed(top["tensor_parallel_size"], (int,), f"{where} tensor_parallel_size"),
        npus=typed(top["npus"], (int,), f"{where} npus"),
        vllm_args=strings(top["vllm_args"], f"{where} vllm_args"),
        env={typed(k, (str,), f"{where} env"): typed(v, (str,), f"{where} env[{k}]") for k, v in env.items()},
        docker=_docker(top["docker"], f"{where} docker"),
        resources=Resources(
            min_hbm_gib_per_chip=typed(res["min_hbm_gib_per_chip"], (int, float, type(None)),
                                       f"{where} resources.min_hbm_gib_per_chip"),
            note=typed(res["note"], (str,), f"{where} resources.note")),
        differences=_differences(top["differences"], f"{where} differences"),
        benchmark=_benchmark(own_benchmark, dict(shared().benchmark), f"{where} benchmark"))
    return _consistent(recipe, name)


def _docker(own: object, where: str) -> DockerSpec:
    docker = take({**shared().docker, **typed(own, (dict,), where)}, DOCKER_KEYS, where)
    return DockerSpec(
        container_name=typed(docker["container_name"], (str,), f"{where}.container_name"),
        image=typed(docker["image"], (str,), f"{where}.image"),
        image_tag=typed(docker["image_tag"], (str, type(None)), f"{where}.image_tag"),
        devices=strings(docker["devices"], f"{where}.devices"),
        mounts=strings(docker["mounts"], f"{where}.mounts"),
        port=typed(docker["port"], (int,), f"{where}.port"),
        shm_size=typed(docker["shm_size"], (str, type(None)), f"{where}.shm_size"),
        network=typed(docker["network"], (str,), f"{where}.network"))


def _differences(value: object, where: str) -> tuple[Difference, ...]:
    return tuple(_difference(d, f"{where}[{i}]") for i, d in enumerate(typed(value, (list,), where)))


def _difference(value: object, where: str) -> Difference:
    d = take(value, DIFFERENCE_KEYS, where)
    difference = Difference(
        item=typed(d["item"], (str,), f"{where}.item"),
        seed=typed(d["seed"], (str, bool, type(None)), f"{where}.seed"),
        ours=typed(d["ours"], (str, bool, type(None)), f"{where}.ours"),
        reason=typed(d["reason"], (str,), f"{where}.reason"))
    if not difference.reason.strip() or "\n" in difference.reason:
        raise RecipeError(f"{where}: difference {difference.item!r} needs a one-line reason")
    return difference


def parse_variant(data: object, name: str) -> Recipe:
    """A variant file's JSON: a model the seed of recipe `variant_of` names with the same settings,
    but gives no command of its own."""
    where = f"recipe {name!r}"
    variant = take(data, VARIANT_KEYS, where)
    base_name = typed(variant["variant_of"], (str,), f"{where} variant_of")
    if base_name not in names():
        raise RecipeError(f"{where}: variant_of {base_name!r} is not a recipe")
    base_data = _read(base_name, f"recipe {base_name!r}")
    if isinstance(base_data, dict) and "variant_of" in base_data:
        raise RecipeError(f"{where}: variant_of {base_name!r} is itself a variant; name the recipe it varies")
    return _as_variant(parse(base_data, base_name), variant, name)


def _as_variant(base: Recipe, variant: dict, name: str) -> Recipe:
    """`base` serving the variant's model: the seed's command with another model, one more difference."""
    where = f"recipe {name!r}"
    model = typed(variant["model"], (str,), f"{where} model")
    swap = _difference({"item": "vllm serve model", "seed": base.model, "ours": model, "reason": variant["reason"]},
                       f"{where} reason")
    recipe = replace(base, name=typed(variant["name"], (str,), f"{where} name"), model=model,
                     served_model_name=typed(variant["served_model_name"], (str,), f"{where} served_model_name"),
                     differences=(*base.differences, swap))
    return _consistent(recipe, name)


def _consistent(recipe: Recipe, file_name: str) -> Recipe:
    problems = _problems(recipe, file_name)
    if problems:
        raise RecipeError(f"recipe {file_name!r}: " + "; ".join(problems))
    return recipe


def _problems(r: Recipe, file_name: str) -> list[str]:
    """What is inconsistent inside one recipe (its values' characters are validate()'s concern)."""
    problems = []
    if r.name != file_name or not NAME.fullmatch(r.name):
        problems.append(f"name {r.name!r} must match the file name and [a-z0-9][a-z0-9.-]*")
    if r.modality not in MODALITIES:
        problems.append(f"modality {r.modality!r} is not one of {', '.join(MODALITIES)}")
    if r.docker.network not in NETWORKS:
        problems.append(f"docker.network {r.docker.network!r} is not one of {', '.join(NETWORKS)}")
    if r.tensor_parallel_size < 1 or r.npus < 1 or r.npus % r.tensor_parallel_size:
        problems.append(f"npus {r.npus} must be a positive multiple of tensor_parallel_size "
                        f"{r.tensor_parallel_size}")
    for flag in flags.FORBIDDEN:
        if flags.flag_at(r.vllm_args, flag) is not None:
            problems.append(f"vllm_args must not hold {flag} (the renderer sets the model; the key "
                            f"comes from {API_KEY_VAR})")
    for flag, expected in ((flags.SERVED_NAME, r.served_model_name), (flags.TP, str(r.tensor_parallel_size))):
        at = flags.flag_at(r.vllm_args, flag)
        if at is not None and flags.flag_value(r.vllm_args, at) != expected:
            problems.append(f"vllm_args {flag} {flags.flag_value(r.vllm_args, at)!r} disagrees with {expected!r}")
    return problems
