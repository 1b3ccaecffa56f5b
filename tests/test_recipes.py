from __future__ import annotations

import dataclasses
import json
import os
import shlex
from importlib import resources
from pathlib import Path

import pytest

from doctor import recipes
from doctor.recipes import (
    Deployment,
    RecipeError,
    docker_run_argv,
    load,
    names,
    renderer_differences,
    service_env,
    shell_line,
    validate,
    vllm_serve_argv,
)
from doctor.recipes.files import parse, parse_variant
from tests.support import seeds

GOLDEN = Path(__file__).resolve().parent / "golden" / "recipes"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"      # rewrite the golden files instead of comparing

RECIPES = ["internvl2-8b", "internvl2.5-8b", "internvl3-8b", "qwen2-audio-7b", "qwen2.5-vl-32b-tp2",
           "qwen2.5-vl-7b", "qwen3-vl-4b", "qwen3-vl-8b"]
# Where each recipe's deployment is in its seed: the docker run (0-based, file order) and, when the
# container only opens a shell, the `vllm serve` typed in it or the offline LLM(...) call used instead.
SOURCES = {
    "qwen3-vl-4b": {"docker": 1},
    "qwen2.5-vl-7b": {"docker": 1},
    "internvl3-8b": {"docker": 1},
    "internvl2.5-8b": {"docker": 1},
    "internvl2-8b": {"docker": 1},
    "qwen2-audio-7b": {"docker": 0, "llm": 0},
    "qwen3-vl-8b": {"docker": 0, "serve": 0},
    "qwen2.5-vl-32b-tp2": {"docker": 1, "serve": 1},
}
JEMALLOC = "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2"   # libjemalloc2 in the Ubuntu aarch64 images
EXAMPLE_TAG = "v0.15.0rc1"     # the one tag the seeds name; the others write the docs' release placeholder
DOCS_PLACEHOLDER = "|vllm_ascend_version|"


def example(recipe) -> Deployment:
    """The deployment the golden files and the recipes' differences describe."""
    return Deployment(recipe=recipe, container_name=recipe.docker.container_name,
                      image=f"{recipe.docker.image}:{recipe.docker.image_tag or EXAMPLE_TAG}",
                      devices=tuple(range(recipe.npus)), jemalloc_path=JEMALLOC)


def seed_of(recipe) -> seeds.SeedDeployment:
    return seeds.seed_deployment(seeds.seed_text(recipe.seed.file), **SOURCES[recipe.name])


def seed_and_render(recipe) -> tuple[dict, dict]:
    """The items of the recipe's seed and of its example deployment's render."""
    return seeds.seed_items(seed_of(recipe)), seeds.docker_items(docker_run_argv(example(recipe)))


def named_differences(recipe) -> dict:
    """Every difference that may explain a changed seed item, by item: the renderer's, then the recipe's own."""
    return {d.item: d for d in (*renderer_differences(recipe), *recipe.differences)}


def flag_value(argv: list[str], flag: str) -> str:
    assert argv.count(flag) == 1, f"{flag} appears {argv.count(flag)} times in {argv}"
    return argv[argv.index(flag) + 1]


# ---------------------------------------------------------------- the recipe files

def test_names_are_the_packaged_json_files_but_the_shared_one():
    shipped = sorted(p.name[:-5] for p in resources.files("doctor").joinpath("recipes").iterdir()
                     if p.name.endswith(".json"))
    assert shipped == ["_shared", *RECIPES]
    assert names() == RECIPES


def test_unknown_name_is_a_value_error_listing_the_known_ones():
    with pytest.raises(RecipeError) as caught:
        load("llama-70b")
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == f"unknown recipe 'llama-70b'; known: {', '.join(RECIPES)}"


@pytest.mark.parametrize("name", RECIPES)
def test_recipe_loads_frozen_and_self_consistent(name):
    recipe = load(name)
    assert recipe.name == name
    assert recipe.npus == recipe.tensor_parallel_size
    assert recipe.docker.network == ("host" if recipe.tensor_parallel_size > 1 else "bridge")
    assert recipe.modality in ("text", "vision", "audio")
    with pytest.raises(dataclasses.FrozenInstanceError):
        recipe.model = "other"  # type: ignore[misc]


@pytest.mark.parametrize("name", RECIPES)
def test_recipe_cites_its_seed(name):
    recipe = load(name)
    text = seeds.seed_text(recipe.seed.file)
    assert recipe.seed.document in text.splitlines()[0]
    assert recipe.seed.section in text
    image = seed_of(recipe).docker[-1]
    repository, _, tag = image.rpartition(":")
    assert repository == recipe.docker.image
    assert tag == (recipe.docker.image_tag or DOCS_PLACEHOLDER)


# ---------------------------------------------------------------- golden: the seed's command, item by item

@pytest.mark.parametrize("name", RECIPES)
def test_every_seed_item_is_rendered_or_named_a_difference(name):
    recipe = load(name)
    seed, ours = seed_and_render(recipe)
    named = set(named_differences(recipe))
    dropped = [f"{key} = {value!r} (rendered: {ours.get(key)!r})" for key, value in seed.items()
               if ours.get(key) != value and key not in named]
    assert not dropped, "seed items the render lacks or changes, not in differences:\n" + "\n".join(dropped)
    added = [f"{key} = {value!r}" for key, value in ours.items() if key not in seed and key not in named]
    assert not added, "rendered items the seed lacks, not in differences:\n" + "\n".join(added)


@pytest.mark.parametrize("name", RECIPES)
def test_differences_are_real_and_state_both_sides_exactly(name):
    recipe = load(name)
    seed, ours = seed_and_render(recipe)
    items = [d.item for d in recipe.differences]
    assert len(items) == len(set(items)), f"an item is named twice: {items}"
    for d in recipe.differences:
        if d.item.startswith("step: "):
            continue
        assert seed.get(d.item) != ours.get(d.item), f"{d.item}: listed as a difference but seed and render agree"
        assert (d.seed, d.ours) == (seed.get(d.item), ours.get(d.item)), d.item


@pytest.mark.parametrize("name", RECIPES)
def test_the_renderers_differences_state_both_sides_exactly_where_the_seed_differs(name):
    recipe = load(name)
    seed, ours = seed_and_render(recipe)
    for d in renderer_differences(recipe):
        if seed.get(d.item) != ours.get(d.item):
            assert (d.seed, d.ours) == (seed.get(d.item), ours.get(d.item)), d.item


def test_every_renderer_difference_is_real_for_some_recipe():
    real = set()
    for name in RECIPES:
        seed, ours = seed_and_render(load(name))
        real |= {d.item for d in renderer_differences(load(name)) if seed.get(d.item) != ours.get(d.item)}
    assert [d.item for d in recipes.files.shared().differences if d.item not in real] == []


@pytest.mark.parametrize("name", RECIPES)
def test_a_recipe_does_not_restate_the_renderers_differences(name):
    recipe = load(name)
    shared = {d.item: d for d in renderer_differences(dataclasses.replace(recipe, differences=()))}
    restated = [d.item for d in recipe.differences
                if d.item in shared and (d.seed, d.ours) == (shared[d.item].seed, shared[d.item].ours)]
    assert restated == [], "say these once, in doctor/recipes/_shared.json"


@pytest.mark.parametrize("name", RECIPES)
def test_skipped_steps_quote_the_seed(name):
    recipe = load(name)
    text = seeds.seed_text(recipe.seed.file)
    for d in recipe.differences:
        if d.item.startswith("step: "):
            assert isinstance(d.seed, str) and d.seed in text, d.item


@pytest.mark.parametrize("name", RECIPES)
def test_vllm_args_keep_the_seeds_spelling_and_order(name):
    recipe = load(name)
    seed = seed_of(recipe)
    if seed.serve is not None:
        assert list(recipe.vllm_args) == list(seed.serve[3:])
    else:                           # the audio seed has no server: its flags are its LLM(...) arguments
        flags = seeds.serve_items(["vllm", "serve", recipe.model, *recipe.vllm_args])
        assert flags == seeds.llm_items(seed.llm)


@pytest.mark.parametrize("name", RECIPES)
def test_golden_docker_run_line(name):
    line = shell_line(docker_run_argv(example(load(name)))) + "\n"
    path = GOLDEN / f"{name}.txt"
    if UPDATE:
        path.write_text(line, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == line


@pytest.mark.parametrize("name", RECIPES)
def test_shell_line_splits_back_to_the_argv(name):
    argv = docker_run_argv(example(load(name)))
    assert shlex.split(shell_line(argv)) == argv


# ---------------------------------------------------------------- rendering rules

def test_docker_run_shape():
    argv = docker_run_argv(example(load("qwen3-vl-4b")))
    assert argv[:5] == ["docker", "run", "-d", "--name", "vllm-ascend"]
    devices = [argv[i + 1] for i, a in enumerate(argv) if a == "--device"]
    assert devices == ["/dev/davinci0", "/dev/davinci_manager", "/dev/devmm_svm", "/dev/hisi_hdc"]
    image_at = argv.index("quay.io/ascend/vllm-ascend:v0.15.0rc1")
    assert argv[image_at - 2:image_at] == ["--restart", "unless-stopped"]
    assert argv[image_at + 1:image_at + 3] == ["vllm", "serve"]
    assert flag_value(argv, "-p") == "8000:8000"
    assert flag_value(argv, "--shm-size") == "1g"
    assert "--network" not in argv
    assert flag_value(argv, "--log-driver") == "json-file"           # a service's log is rotated
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "--log-opt"] == ["max-size=100m", "max-file=5"]


def test_tensor_parallel_uses_host_network_and_the_deployments_port():
    recipe = load("qwen2.5-vl-32b-tp2")
    dep = dataclasses.replace(example(recipe), devices=(4, 5), port=8100)
    argv = docker_run_argv(dep)
    assert flag_value(argv, "--network") == "host" and "-p" not in argv
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "--device"][:2] == ["/dev/davinci4", "/dev/davinci5"]
    serve = vllm_serve_argv(dep)
    assert flag_value(serve, "--port") == "8100"          # the seed's --port 8000, replaced in place
    assert serve.index("--port") == recipe.vllm_args.index("--port") + 5
    assert flag_value(serve, "--tensor-parallel-size") == "2"
    env = service_env(dep)
    assert env["ASCEND_RT_VISIBLE_DEVICES"] == "0,1"
    assert env["HCCL_OP_EXPANSION_MODE"] == "AIV"


def test_bridge_network_maps_the_deployments_port_to_the_recipes():
    dep = dataclasses.replace(example(load("qwen2.5-vl-7b")), port=9001)
    argv = docker_run_argv(dep)
    assert flag_value(argv, "-p") == "9001:8000"
    assert flag_value(vllm_serve_argv(dep), "--port") == "8000"


def test_tensor_parallel_flag_is_added_when_the_recipe_lacks_it():
    recipe = load("qwen2.5-vl-32b-tp2")
    args = list(recipe.vllm_args)
    at = args.index("--tensor-parallel-size")
    del args[at:at + 2]
    dep = example(dataclasses.replace(recipe, vllm_args=tuple(args)))
    serve = vllm_serve_argv(dep)
    assert serve[-2:] == ["--tensor-parallel-size", "2"]
    assert serve.count("--tensor-parallel-size") == 1


def test_single_chip_adds_no_tensor_parallel_flag_or_hccl():
    dep = example(load("qwen3-vl-8b"))
    assert "--tensor-parallel-size" not in vllm_serve_argv(dep)
    assert "HCCL_OP_EXPANSION_MODE" not in service_env(dep)


def test_served_model_name_is_never_doubled():
    serve = vllm_serve_argv(example(load("qwen3-vl-4b")))     # the seed writes it among its flags
    assert flag_value(serve, "--served-model-name") == "qwen3vl"


def test_model_source_is_mounted_read_only_and_served_under_the_model_id():
    recipe = load("qwen2.5-vl-7b")
    dep = dataclasses.replace(example(recipe), model_source="/data/models/Qwen2.5-VL-7B-Instruct")
    argv = docker_run_argv(dep)
    assert "/data/models/Qwen2.5-VL-7B-Instruct:/models/qwen2.5-vl-7b:ro" in argv
    serve = vllm_serve_argv(dep)
    assert serve[2] == "/models/qwen2.5-vl-7b"
    assert flag_value(serve, "--served-model-name") == "Qwen/Qwen2.5-VL-7B-Instruct"


def test_api_key_comes_from_a_root_only_file_never_the_argv():
    dep = dataclasses.replace(example(load("qwen3-vl-8b")), api_key_set=True,
                              api_key_file="/etc/ascend-doctor/services/svc.env")
    argv = docker_run_argv(dep)
    assert argv[argv.index("--env-file") + 1] == "/etc/ascend-doctor/services/svc.env"
    assert "--api-key" not in argv and not any("VLLM_API_KEY" in a for a in argv)
    assert "VLLM_API_KEY" not in service_env(dep)
    assert "--env-file" not in docker_run_argv(example(load("qwen3-vl-8b")))


def test_api_key_set_needs_its_file():
    dep = dataclasses.replace(example(load("qwen3-vl-8b")), api_key_set=True)
    with pytest.raises(RecipeError, match="api_key_file"):
        docker_run_argv(dep)


def test_service_env_order_and_overrides():
    recipe = load("qwen3-vl-8b")
    dep = dataclasses.replace(example(recipe), extra_env={"PYTORCH_NPU_ALLOC_CONF": "expandable_segments:True",
                                                          "VLLM_LOGGING_LEVEL": "DEBUG"})
    env = service_env(dep)
    assert list(env) == ["LD_PRELOAD", "ASCEND_RT_VISIBLE_DEVICES", "VLLM_USE_MODELSCOPE",
                         "PYTORCH_NPU_ALLOC_CONF", "VLLM_LOGGING_LEVEL"]
    assert env["LD_PRELOAD"] == JEMALLOC
    assert env["PYTORCH_NPU_ALLOC_CONF"] == "expandable_segments:True"
    assert "LD_PRELOAD" not in service_env(dataclasses.replace(dep, jemalloc_path=None))


def test_rendering_refuses_an_invalid_deployment():
    dep = dataclasses.replace(example(load("qwen3-vl-4b")), image="img;reboot")
    for render in (docker_run_argv, vllm_serve_argv, service_env):
        with pytest.raises(RecipeError, match="invalid deployment: image"):
            render(dep)


# ---------------------------------------------------------------- validate()

@pytest.mark.parametrize("name", RECIPES)
def test_example_deployments_are_valid(name):
    assert validate(example(load(name))) == []


def test_a_full_deployment_is_valid():
    dep = Deployment(recipe=load("qwen2.5-vl-32b-tp2"), container_name="vllm_qwen32b.1",
                     image="registry.local:5000/ascend/vllm-ascend@sha256:" + "a" * 64, devices=(6, 7),
                     port=65535, model_source="/data/models/Qwen2.5-VL-32B-Instruct", api_key_set=True,
                     api_key_file="/etc/ascend-doctor/services/vllm_qwen32b.1.env",
                     jemalloc_path="/usr/lib64/libjemalloc.so.2",
                     extra_env={"VLLM_LOGGING_LEVEL": "DEBUG", "HCCL_BUFFSIZE": "512"})
    assert validate(dep) == []


ONE_NPU, TWO_NPUS = "qwen3-vl-4b", "qwen2.5-vl-32b-tp2"
BAD = [  # (recipe, field changes, the field the message must name, a phrase it must hold)
    (TWO_NPUS, {"devices": (0, 0)}, "devices", "more than once"),
    (TWO_NPUS, {"devices": (0, 1, 2)}, "devices", "does not divide"),
    (TWO_NPUS, {"devices": (0, 1, 2)}, "devices", "runs on 2 NPU"),
    (ONE_NPU, {"devices": (0, 1)}, "devices", "runs on 1 NPU"),
    (ONE_NPU, {"devices": ()}, "devices", "at least one"),
    (ONE_NPU, {"devices": (-1,)}, "devices", "not a chip number"),
    (ONE_NPU, {"devices": ("0",)}, "devices", "not a chip number"),
    (ONE_NPU, {"port": 0}, "port", "1-65535"),
    (ONE_NPU, {"port": 65536}, "port", "1-65535"),
    (ONE_NPU, {"port": True}, "port", "1-65535"),
    (ONE_NPU, {"container_name": "vllm ascend"}, "container_name", "not a docker container name"),
    (ONE_NPU, {"container_name": "-rm"}, "container_name", "not a docker container name"),
    (ONE_NPU, {"container_name": "x"}, "container_name", "not a docker container name"),
    (ONE_NPU, {"container_name": "a;reboot"}, "container_name", "not a docker container name"),
    (ONE_NPU, {"container_name": "a\nb"}, "container_name", "not a docker container name"),
    (ONE_NPU, {"image": "img;reboot"}, "image", "';'"),
    (ONE_NPU, {"image": "img $(id)"}, "image", "'$'"),
    (ONE_NPU, {"image": "img\n--privileged"}, "image", "'\\n'"),
    (ONE_NPU, {"image": ""}, "image", "not an image reference"),
    (ONE_NPU, {"image": "--privileged"}, "image", "not an image reference"),
    (ONE_NPU, {"model_source": "models/qwen"}, "model_source", "absolute path"),
    (ONE_NPU, {"model_source": "/data/my models"}, "model_source", "' '"),
    (ONE_NPU, {"model_source": "/data/m`id`"}, "model_source", "'`'"),
    (ONE_NPU, {"model_source": "/data:/etc"}, "model_source", "':'"),
    (ONE_NPU, {"jemalloc_path": "/usr/lib64/libjemalloc.so.2:/tmp/evil.so"}, "jemalloc_path", "':'"),
    (ONE_NPU, {"jemalloc_path": "/lib\t/x.so"}, "jemalloc_path", "'\\t'"),
    (ONE_NPU, {"jemalloc_path": "libjemalloc.so.2"}, "jemalloc_path", "absolute path"),
    (ONE_NPU, {"extra_env": {"BAD-NAME": "1"}}, "extra_env", "not a variable name"),
    (ONE_NPU, {"extra_env": {"X": "a b"}}, "extra_env[X]", "' '"),
    (ONE_NPU, {"extra_env": {"X": "a\nb"}}, "extra_env[X]", "'\\n'"),
    (ONE_NPU, {"extra_env": {"X": "$(reboot)"}}, "extra_env[X]", "'$'"),
    (ONE_NPU, {"extra_env": {"X": "a|b"}}, "extra_env[X]", "'|'"),
    (ONE_NPU, {"extra_env": {"VLLM_API_KEY": "sk-123"}}, "extra_env", "api_key_set"),
]


@pytest.mark.parametrize(("name", "changes", "field", "phrase"), BAD,
                         ids=[f"{f}-{i}" for i, (_, _, f, _) in enumerate(BAD)])
def test_validate_names_the_bad_field(name, changes, field, phrase):
    problems = validate(dataclasses.replace(example(load(name)), **changes))
    hits = [p for p in problems if p.startswith(f"{field}:") and phrase in p]
    assert hits, problems


@pytest.mark.parametrize(("part", "value", "field"), [
    ("vllm_args", ("--max-model-len", "4096;reboot"), "recipe.vllm_args[1]"),
    ("vllm_args", ("--chat-template", "a b"), "recipe.vllm_args[1]"),
    ("vllm_args", ("--x", "$(id)"), "recipe.vllm_args[1]"),
    ("env", {"A": "`id`"}, "recipe.env[A]"),
    ("env", {"A-B": "1"}, "recipe.env"),
    ("model", "Qwen/Qwen 7B", "recipe.model"),
    ("served_model_name", "qwen\n", "recipe.served_model_name"),
])
def test_validate_checks_the_recipes_templated_values_too(part, value, field):
    recipe = dataclasses.replace(load(ONE_NPU), **{part: value})
    problems = validate(example(recipe))
    assert any(p.startswith(f"{field}:") for p in problems), problems


def test_vllm_args_may_carry_json():
    recipe = dataclasses.replace(load(ONE_NPU), vllm_args=("--limit-mm-per-prompt", '{"image":[1,2]}'))
    assert validate(example(recipe)) == []


# ---------------------------------------------------------------- malformed recipe files

def raw(name: str) -> dict:
    return json.loads(resources.files("doctor.recipes").joinpath(f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("edit", "phrase"), [
    (lambda d: d.pop("model"), "missing model"),
    (lambda d: d.update(colour="blue"), "unknown colour"),
    (lambda d: d["docker"].pop("network"), "docker: missing network"),
    (lambda d: d.update(modality="video"), "modality 'video'"),
    (lambda d: d.update(npus=3), "multiple of tensor_parallel_size"),
    (lambda d: d.update(tensor_parallel_size="2"), "tensor_parallel_size: expected int"),
    (lambda d: d.update(npus=True), "npus: expected int"),
    (lambda d: d.update(name="other"), "must match the file name"),
    (lambda d: d["vllm_args"].extend(["--served-model-name", "other"]), "--served-model-name 'other' disagrees"),
    (lambda d: d["vllm_args"].extend(["--api-key", "sk"]), "must not hold --api-key"),
    (lambda d: d["vllm_args"].__setitem__(6, "4"), "--tensor-parallel-size '4' disagrees"),
    (lambda d: d["differences"][0].update(reason="two\nlines"), "one-line reason"),
    (lambda d: d["differences"][0].pop("reason"), "missing reason"),
    (lambda d: d["env"].update(X=1), "env[X]: expected str"),
    (lambda d: d["docker"].update(colour="blue"), "docker: unknown colour"),
    (lambda d: d["docker"].update(mounts="/a:/a"), "docker.mounts: expected list"),
    (lambda d: d.update(docker=["vllm-ascend"]), "docker: expected dict"),
])
def test_malformed_recipe_is_refused(edit, phrase):
    data = raw("qwen2.5-vl-32b-tp2")
    edit(data)
    with pytest.raises(RecipeError, match="recipe 'qwen2.5-vl-32b-tp2'") as caught:
        parse(data, "qwen2.5-vl-32b-tp2")
    assert phrase in str(caught.value)


def test_a_recipe_gets_the_shared_container_and_may_replace_a_part_of_it():
    shared = recipes.files.shared().docker
    recipe = load("qwen3-vl-4b")
    assert (recipe.docker.image, recipe.docker.devices, recipe.docker.mounts, recipe.docker.port,
            recipe.docker.shm_size) == (shared["image"], tuple(shared["devices"]), tuple(shared["mounts"]),
                                        shared["port"], shared["shm_size"])
    data = raw("qwen3-vl-4b")
    data["docker"].update(shm_size=None, mounts=["/usr/local/dcmi:/usr/local/dcmi"])
    replaced = parse(data, "qwen3-vl-4b").docker
    assert (replaced.shm_size, replaced.mounts, replaced.devices) == (None, ("/usr/local/dcmi:/usr/local/dcmi",),
                                                                      recipe.docker.devices)


# ---------------------------------------------------------------- variants

@pytest.mark.parametrize(("name", "model", "row"), [
    ("internvl2-8b", "OpenGVLab/InternVL2-8B", "| InternVL2-8B | ✅ | max_model_len=8192, dtype=bfloat16 |"),
    ("internvl2.5-8b", "OpenGVLab/InternVL2_5-8B", "| InternVL2.5-8B | ✅ | max_model_len=8192, dtype=bfloat16 |"),
])
def test_a_variant_is_its_recipe_serving_a_model_its_seed_names(name, model, row):
    variant, base = load(name), load("internvl3-8b")
    swap = recipes.Difference("vllm serve model", base.model, model, variant.differences[-1].reason)
    assert variant == dataclasses.replace(base, name=name, model=model, served_model_name=model,
                                          differences=(*base.differences, swap))
    assert row in seeds.seed_text(variant.seed.file)      # the seed's own settings are the recipe's flags
    assert ["--dtype", "bfloat16", "--max-model-len", "8192"] == list(base.vllm_args[:4])


@pytest.mark.parametrize(("edit", "phrase"), [
    (lambda v: v.update(variant_of="llama-70b"), "variant_of 'llama-70b' is not a recipe"),
    (lambda v: v.update(variant_of="internvl2.5-8b"), "variant_of 'internvl2.5-8b' is itself a variant"),
    (lambda v: v.pop("reason"), "missing reason"),
    (lambda v: v.update(reason="two\nlines"), "one-line reason"),
    (lambda v: v.update(vllm_args=[]), "unknown vllm_args"),
    (lambda v: v.update(name="other"), "must match the file name"),
])
def test_malformed_variant_is_refused(edit, phrase):
    data = raw("internvl2-8b")
    edit(data)
    with pytest.raises(RecipeError, match="recipe 'internvl2-8b'") as caught:
        parse_variant(data, "internvl2-8b")
    assert phrase in str(caught.value)


def test_host_root_moves_host_paths_but_not_container_paths():
    dep = recipes.Deployment(recipes.load("qwen3-vl-4b"), "svc", "img:tag", (3,), host_root="/srv/sim")
    argv = recipes.docker_run_argv(dep)
    assert "/srv/sim/dev/davinci3:/dev/davinci3" in argv
    assert "/srv/sim/dev/hisi_hdc:/dev/hisi_hdc" in argv
    assert "/srv/sim/usr/local/dcmi:/usr/local/dcmi" in argv
    assert "/srv/sim/usr/local/Ascend/driver/lib64/:/usr/local/Ascend/driver/lib64/" in argv


def test_extra_args_come_last_so_they_win():
    dep = recipes.Deployment(recipes.load("qwen2.5-vl-32b-tp2"), "svc", "img:tag", (0, 1),
                             extra_args=("--tensor-parallel-size", "1"))
    serve = recipes.vllm_serve_argv(dep)
    assert serve[-2:] == ["--tensor-parallel-size", "1"]
    assert serve.count("--tensor-parallel-size") == 2    # the recipe's TP flag is still rendered


@pytest.mark.parametrize("changes, message", [
    ({"extra_args": ("--x", "a;b")}, "extra_args"),
    ({"extra_args": ("--x y",)}, "whitespace"),
    ({"host_root": "relative/path"}, "host_root"),
    ({"host_root": "/tmp/$(x)"}, "host_root"),
])
def test_bad_overrides_are_refused(changes, message):
    from dataclasses import replace

    dep = replace(recipes.Deployment(recipes.load("qwen3-vl-4b"), "svc", "img:tag", (0,)), **changes)
    problems = recipes.validate(dep)
    assert any(message in p for p in problems), problems
