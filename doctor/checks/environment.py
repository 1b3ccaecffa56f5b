"""ENV: the software stack, the image variant, jemalloc and LD_PRELOAD, the NPU allocator, /dev/shm."""

from __future__ import annotations

import re

from doctor import compat
from doctor.checks.base import Check, failed, passed, reads, skipped, warned
from doctor.evidence_keys import (ASCEND_FILES, DRIVER_INFO, ENV, JEMALLOC_CANDIDATES, NPU_SMI_INFO, OS_RELEASE,
                                  PATHS, PLATFORM, PYTHON_PACKAGES, SHM, file_key, preload_candidates,
                                  preload_entries)
from doctor.facts import Facts, Undecided
from doctor.model import ERROR, FAIL, Intent
from doctor.parsers import version_files
from doctor.stack import installed_stack

SHM_MIN_BYTES = 1024 ** 3
# The keys torch_npu's caching allocator reads (Ascend/pytorch NPUCachingAllocator and its docs);
# it refuses to start on an unrecognised key.
ALLOC_CONF_KEYS = {
    "max_split_size_mb": r"\d+",
    "garbage_collection_threshold": r"0?\.\d+",
    "expandable_segments": r"True|False",
    "page_size": r"1g|1G",
    "segment_size_mb": r"\d+",
    "roundup_power2_divisions": r"\d+",
    "base_addr_aligned_kb": r"\d+",
}
# Not combinable with expandable_segments:True: max_split_size_mb and garbage_collection_threshold
# (vllm-ascend PR 5855), page_size and segment_size_mb (torch_npu's allocator documentation).
EXPANDABLE_CONFLICTS = ("max_split_size_mb", "garbage_collection_threshold", "page_size", "segment_size_mb")


def check_stack(facts: Facts, intent: Intent):
    stack, sources = installed_stack(facts, intent)
    if not stack.vllm_ascend:
        return skipped("vllm-ascend version unknown: pass --python PATH (the Python that runs vLLM) "
                       "or --image TAG", "; ".join(sources))
    mismatches, note = compat.check_stack(stack)
    mismatches = [m for m in mismatches if m.component != "driver"]   # CANN003 owns driver vs CANN
    evidence = "; ".join(sources)
    if note and not mismatches:
        return skipped(note, evidence)
    if not mismatches:
        return passed(f"vllm-ascend {stack.vllm_ascend}: every known component fits", evidence)
    lines = [f"{m.component}: found {m.found}, expected {m.expected} (source: {m.source})" for m in mismatches]
    worst = failed if any(m.severity == FAIL for m in mismatches) else warned
    return worst(f"{len(mismatches)} component(s) do not fit vllm-ascend {stack.vllm_ascend}",
                 "\n".join([*lines, evidence]),
                 "Use the vendor image for this release (quay.io/ascend/vllm-ascend:v" + stack.vllm_ascend +
                 ", with -a3 or -310p for those hosts) or install the versions above; see "
                 "`ascend-doctor explain ENV001`.")


def check_image_variant(facts: Facts, intent: Intent):
    info = facts.npu_info()
    if not info.chips:
        return skipped("npu-smi lists no chips")
    two_chips = any(c.chip_id == 1 and c.phy_id is not None for c in info.chips)
    needed = compat.image_variant_for(info.chips[0].name, two_chips_per_npu=two_chips)
    given = compat.image_tag_variant(intent.image or "")
    evidence = f"chips: {info.chips[0].name}{' x2 per NPU' if two_chips else ''}; image: {intent.image}"
    if needed == "unsupported":
        return failed(f"vllm-ascend publishes no image for {info.chips[0].name} chips", evidence,
                      "Run on Atlas A2 (910B), A3 or 300I Duo/Pro (310P) hardware.")
    if needed == "unknown":
        return warned(f"cannot tell which image variant {info.chips[0].name} chips need", evidence)
    if given is None:
        return warned(f"cannot tell the variant of image {intent.image}; this host needs the {needed} variant",
                      evidence)
    if given != needed:
        return failed(f"image {intent.image} is the {given} variant; this host needs the {needed} variant",
                      evidence, f"Use the tag with the right suffix ({_suffix_hint(needed)}).")
    return passed(f"image variant {given} fits this host", evidence)


def _suffix_hint(variant: str) -> str:
    return {"a2": "no suffix, e.g. v0.11.0rc0", "a3": "-a3", "310p": "-310p"}.get(variant, variant)


def _os_id(facts: Facts) -> str:
    fields = facts.parsed(file_key(OS_RELEASE), version_files.parse_version_file)
    return fields.get("ID", "").strip('"')


def check_jemalloc(facts: Facts, intent: Intent):
    paths = facts.paths()
    arch = str(facts.table(PLATFORM).get("machine", ""))
    os_id = _os_id(facts)
    expected = compat.jemalloc_path(os_id, arch)
    present = [p for p in JEMALLOC_CANDIDATES if paths.get(p, {}).get("exists")]
    evidence = f"OS {os_id or 'unknown'} {arch}; present: {', '.join(present) or 'none'}"
    if expected and paths.get(expected, {}).get("exists"):
        return passed(f"jemalloc at {expected}", evidence)
    package = compat.jemalloc_package(os_id)
    install = f"{package[0]} install -y {package[1]}" if package else "install jemalloc"
    if present:
        return warned(f"jemalloc found at {present[0]}, not where this OS puts it ({expected})", evidence,
                      f"Preload the path that exists: LD_PRELOAD={present[0]}")
    return warned("jemalloc is not installed; vllm-ascend recommends preloading it", evidence,
                  f"`{install}`, then `export LD_PRELOAD={expected or '<path of libjemalloc.so.2>'}`")


def check_ld_preload(facts: Facts, intent: Intent):
    entries = preload_entries(facts.env())
    if not entries:
        return skipped("LD_PRELOAD is not set")
    paths = facts.paths()
    missing = [e for e in entries if not any(paths.get(c, {}).get("exists") for c in preload_candidates(e))]
    evidence = f"LD_PRELOAD={facts.env().get('LD_PRELOAD')}"
    if missing:
        return failed(f"LD_PRELOAD names {len(missing)} file(s) that do not exist: {', '.join(missing)}",
                      evidence, "Point LD_PRELOAD at the library for this OS (see ENV003) or install it; the "
                      "loader skips a missing entry with only a warning, so jemalloc silently stays off.")
    return passed(f"every LD_PRELOAD entry exists ({len(entries)})", evidence)


def check_alloc_conf(facts: Facts, intent: Intent):
    env = facts.env()
    value = env.get("PYTORCH_NPU_ALLOC_CONF")
    if value is None:
        if "PYTORCH_CUDA_ALLOC_CONF" in env:
            return warned("PYTORCH_CUDA_ALLOC_CONF is set but the NPU allocator reads PYTORCH_NPU_ALLOC_CONF",
                          f"PYTORCH_CUDA_ALLOC_CONF={env['PYTORCH_CUDA_ALLOC_CONF']}",
                          "Rename it to PYTORCH_NPU_ALLOC_CONF.")
        return skipped("PYTORCH_NPU_ALLOC_CONF is not set")
    evidence = f"PYTORCH_NPU_ALLOC_CONF={value}"
    pairs, errors = _alloc_pairs(value)
    if errors:
        return failed("PYTORCH_NPU_ALLOC_CONF is malformed: " + "; ".join(errors), evidence,
                      "Use comma-separated key:value pairs, e.g. PYTORCH_NPU_ALLOC_CONF=max_split_size_mb:256")
    if pairs.get("expandable_segments") == "True":
        clash = [k for k in EXPANDABLE_CONFLICTS if k in pairs]
        if clash:
            return failed(f"expandable_segments:True cannot be combined with {', '.join(clash)}", evidence,
                          "Keep one: drop expandable_segments or drop " + ", ".join(clash) + ".")
    return passed("PYTORCH_NPU_ALLOC_CONF is well formed", evidence)


def _alloc_pairs(value: str) -> tuple[dict[str, str], list[str]]:
    pairs, errors = {}, []
    for item in filter(None, (p.strip() for p in value.split(","))):
        key, sep, val = item.partition(":")
        if not sep:
            errors.append(f"'{item}' has no ':'")
        elif key not in ALLOC_CONF_KEYS:
            errors.append(f"'{key}' is not an allocator option ({', '.join(ALLOC_CONF_KEYS)})")
        elif not re.fullmatch(ALLOC_CONF_KEYS[key], val):
            errors.append(f"'{val}' is not a valid value for {key}")
        else:
            pairs[key] = val
    return pairs, errors


def check_shm(facts: Facts, intent: Intent):
    total = facts.table(SHM).get("total_bytes")
    if not isinstance(total, int):
        raise Undecided(ERROR, f"the /dev/shm evidence has no size: {total!r}")
    evidence = f"/dev/shm size {total / 1024 ** 2:.0f} MiB"
    if total < SHM_MIN_BYTES:
        # Tensor-parallel workers exchange tensors through it; a single worker mostly does not.
        result = failed if intent.tp > 1 else warned
        return result("/dev/shm is smaller than 1 GiB; vLLM's worker processes share data through it", evidence,
                      "Start the container with `--shm-size=1g` (docker's default is 64 MiB) or `--ipc=host`.")
    return passed("/dev/shm is at least 1 GiB", evidence)


def _not_without_image(intent: Intent) -> str | None:
    return None if intent.image else "only with --image TAG"


CHECKS = [
    Check("ENV001", "stack-mismatch", "vllm, torch, torch-npu, CANN, Python and driver fit the vllm-ascend release",
          check_stack, evidence=reads(optional=(PYTHON_PACKAGES, ASCEND_FILES, file_key(DRIVER_INFO), ENV))),
    Check("ENV002", "image-variant-mismatch", "the image variant (-a3, -310p or plain) fits the SoC",
          check_image_variant, applies=_not_without_image, evidence=reads(NPU_SMI_INFO)),
    Check("ENV003", "jemalloc-missing", "jemalloc is installed where this OS and architecture keep it",
          check_jemalloc, evidence=reads(PATHS, PLATFORM, file_key(OS_RELEASE))),
    Check("ENV004", "ld-preload-missing", "every LD_PRELOAD entry exists", check_ld_preload,
          evidence=reads(ENV, PATHS)),
    Check("ENV005", "npu-alloc-conf-invalid", "PYTORCH_NPU_ALLOC_CONF is well formed and free of known conflicts",
          check_alloc_conf, evidence=reads(ENV)),
    Check("ENV006", "shm-too-small", "/dev/shm is at least 1 GiB", check_shm, evidence=reads(SHM)),
]
