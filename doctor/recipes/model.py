"""What a recipe and a deployment of it are: frozen records, filled by files.py and read by the renderer."""

from __future__ import annotations

from dataclasses import dataclass, field

MODALITIES = ("text", "vision", "audio")
NETWORKS = ("bridge", "host")
API_KEY_VAR = "VLLM_API_KEY"      # vLLM reads the key from it (vllm/envs.py); never an argv


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
    differences: tuple[Difference, ...]      # the recipe's own; the renderer's are rendering.renderer_differences
    benchmark: dict = field(default_factory=dict)   # vLLM serving benchmark settings (files.BENCHMARK_KEYS)


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
