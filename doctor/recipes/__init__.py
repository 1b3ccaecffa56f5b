"""The seed deployments as data, and the one renderer the doctor and the Ansible roles share.

A recipe is one deployment a vllm-ascend tutorial (a "seed") walks through: which model,
which `vllm serve` flags, which variables, which container. `load(name)` reads it from
`<name>.json` in this folder; a `Deployment` places it on one host (container name, image,
chips, port); `docker_run_argv(dep)` renders the container as an argv list, never through
a shell. Call `validate(dep)` first; the renderers refuse an invalid deployment.

    model.py        Recipe, Deployment and their parts
    files.py        the JSON files of this folder read into Recipes
    validation.py   validate(): every value checked before it reaches an argv
    rendering.py    docker_run_argv, vllm_serve_argv, service_env, and what they add to every recipe
    flags.py        a flag in vllm_args, however the seed spells it; shape.py: a JSON value's shape

A recipe file says what is its own (every key required; `null` only where shown)::

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
      "docker": {                               # with _shared.json's docker; a key here replaces its
        "container_name": "vllm-ascend",        # the seed's --name (a Deployment names its own)
        "image_tag": null,                      # the seed's tag; null: it uses the docs' release placeholder
        "network": "bridge"                     # "bridge": -p PORT:port | "host": --network host
      },
      "resources": {"min_hbm_gib_per_chip": null,   # or a number, when the seed states one
                    "note": "where the figure comes from, or why there is none"},
      "differences": [                          # the recipe's own departures from its seed
        {"item": "-v /data:/data", "seed": true, "ours": null, "reason": "one line"}
      ]
    }

`_shared.json` holds, once, what every recipe has unless it says otherwise::

    {
      "source": "where these facts come from",
      "docker": {
        "image": "quay.io/ascend/vllm-ascend",  # repository; the tag is the Deployment's
        "devices": ["/dev/davinci_manager", "/dev/devmm_svm", "/dev/hisi_hdc"],  # beyond /dev/davinciN
        "mounts": ["/usr/local/dcmi:/usr/local/dcmi", ...],   # -v values, as the seeds write them
        "port": 8000,                           # where vLLM listens inside a bridge-networked container
        "shm_size": "1g"                        # or null: docker's default
      },
      "differences": [...]                      # the renderer's departures from the seeds (rendering.py)
    }

A variant is a model that a recipe's seed names with the same settings but gives no command
of its own. It loads as that recipe serving the variant's model, with one more difference,
`vllm serve model` (the seed's model, the variant's), for the variant's reason::

    {"name": "internvl2-8b", "variant_of": "internvl3-8b", "model": "OpenGVLab/InternVL2-8B",
     "served_model_name": "OpenGVLab/InternVL2-8B", "reason": "one line: what the seed says of it"}

A difference's `item` names one piece of the deployment the way tests/support/seeds.py
reduces both the seed's commands and ours: a docker option (`--rm`, `--name`, `--shm-size`,
`--network`, `--restart`, `-d`, `-it`), a repeatable one with its value (`--device /dev/x`,
`-v host:container`, `-p 8000:8000`), a variable (`-e NAME`), `command` (what the container
runs), `vllm serve model` or `vllm serve --flag`. `seed` and `ours` hold the two values
(`true`: present without a value, `null`: absent), for the example deployment the tests
render (first chips, port 8000, the seed's container name, jemalloc at the Ubuntu aarch64
path). A seed step we do not perform at all is an item `step: ...` whose `seed` quotes the
tutorial. A renderer difference counts for a recipe wherever its seed does otherwise; its
`ours` may name the recipe's `{served_model_name}` or `{container_chips}` (0,...,npus-1).
A recipe's own entry for the same item replaces it.
"""

from doctor.recipes.files import load, names
from doctor.recipes.model import (
    MODALITIES,
    NETWORKS,
    Deployment,
    Difference,
    DockerSpec,
    Recipe,
    RecipeError,
    Resources,
    SeedRef,
)
from doctor.recipes.rendering import (
    docker_run_argv,
    renderer_differences,
    service_env,
    shell_line,
    vllm_serve_argv,
)
from doctor.recipes.validation import validate

__all__ = [
    "MODALITIES", "NETWORKS", "Deployment", "Difference", "DockerSpec", "Recipe", "RecipeError", "Resources",
    "SeedRef", "docker_run_argv", "load", "names", "renderer_differences", "service_env", "shell_line",
    "validate", "vllm_serve_argv",
]
