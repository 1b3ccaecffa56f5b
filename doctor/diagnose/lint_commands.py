"""The docker run and vllm serve lines of a paste held to what the vllm-ascend guides set up."""

from __future__ import annotations

import re
from dataclasses import dataclass

from doctor.diagnose.commands import DockerRun, VllmServe, parse_docker_run, parse_vllm_serve
from doctor.diagnose.extract import Extracted
from doctor.diagnose.findings import Diagnosis, Quote
from doctor.model import FAIL, WARN

CONTROL_NODES = ("/dev/davinci_manager", "/dev/devmm_svm", "/dev/hisi_hdc")
_DAVINCI = re.compile(r"/dev/davinci(\d+)$")
# The driver mounts every vllm-ascend tutorial's docker run has (doctor/recipes/_shared.json).
DRIVER_LIBS = "/usr/local/Ascend/driver/lib64"
OTHER_MOUNTS = ("/usr/local/dcmi", "/usr/local/bin/npu-smi", "/usr/local/Ascend/driver/version.info",
                "/etc/ascend_install.info")
HCCN_MOUNTS = ("/etc/hccn.conf", "/usr/local/Ascend/driver/tools/hccn_tool")
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?", re.I)
GiB = 1024 ** 3


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    title: str
    why: str
    fix: str
    false_positives: str
    sources: tuple[tuple[str, str], ...]


GUIDE = ("https://github.com/vllm-project/vllm-ascend/blob/main/docs/source/installation.md",
         "vllm-ascend installation, the docker run of \"Set up using Docker\"")
RULES = {r.code: r for r in (
    Rule("CMD001", "no-npu-mapped", "the container is given at least one /dev/davinciN",
         "Without a chip node the container has no NPU; vLLM fails to find a device or npu-smi lists nothing.",
         "Add `--device /dev/davinciN` for each chip the server uses.",
         "A device plugin (Kubernetes) or `--privileged` gives chips without --device; then this does not apply.",
         (GUIDE,)),
    Rule("CMD002", "control-nodes-not-mapped", "the container is given davinci_manager, devmm_svm and hisi_hdc",
         "The driver's control nodes carry every call to the chips; a chip node alone cannot be opened.",
         "Add `--device /dev/davinci_manager --device /dev/devmm_svm --device /dev/hisi_hdc` (spelled exactly).",
         "`--privileged` gives every node of the host.", (GUIDE,)),
    Rule("CMD003", "driver-mounts-missing", "the driver's libraries and tools are mounted as the guides do",
         "The image holds CANN but not the driver, which must match the host's kernel module; without "
         "/usr/local/Ascend/driver/lib64 torch_npu cannot load libascend_hal.so.",
         "Add `-v /usr/local/dcmi:/usr/local/dcmi -v /usr/local/bin/npu-smi:/usr/local/bin/npu-smi "
         "-v /usr/local/Ascend/driver/lib64/:/usr/local/Ascend/driver/lib64/ "
         "-v /usr/local/Ascend/driver/version.info:/usr/local/Ascend/driver/version.info "
         "-v /etc/ascend_install.info:/etc/ascend_install.info`.",
         "Images that carry their own driver libraries, or a parent directory mounted instead (counted as present).",
         (GUIDE,)),
    Rule("CMD004", "hccn-not-mounted", "multi-node and disaggregated serving see /etc/hccn.conf and hccn_tool",
         "Across nodes HCCL and the KV connectors (Mooncake, LLMDataDist) need each chip's RoCE address, read "
         "from /etc/hccn.conf or with hccn_tool.",
         "Add `-v /etc/hccn.conf:/etc/hccn.conf -v /usr/local/Ascend/driver/tools/hccn_tool:"
         "/usr/local/Ascend/driver/tools/hccn_tool` to every node's container.",
         "Set-ups that pass a rank table with the device IPs instead.",
         (("https://github.com/vllm-project/vllm-ascend/issues/857",
           "the disaggregated prefill guide mounts hccn_tool"),
          ("https://github.com/vllm-project/vllm-ascend/issues/4866", "'device_ip' is not set correctly"))),
    Rule("CMD005", "privileged-with-device-selection", "`--privileged` is not combined with a chip selection",
         "`--privileged` gives the container every chip of the host, so `--device` selects nothing and chips "
         "other containers use are visible; ASCEND_RT_VISIBLE_DEVICES then counts the host's chips.",
         "Drop `--privileged` and map the chips with `--device`, or keep it and select chips with "
         "ASCEND_RT_VISIBLE_DEVICES in the host's numbering.",
         "A deliberately privileged debugging container.", (GUIDE,)),
    Rule("CMD006", "visible-devices-outside-container", "ASCEND_RT_VISIBLE_DEVICES names only chips the container has",
         "Inside a container the mapped chips are numbered from 0; an index at or past their count fails with "
         "'Set visible device failed, invalid device'.",
         "Number the container's chips from 0 (two mapped chips: `ASCEND_RT_VISIBLE_DEVICES=0,1`).",
         "Outside a container (no docker run in the paste) host numbers apply; this rule needs the docker run.",
         (("https://github.com/vllm-project/vllm-ascend/issues/167", "Set visible device failed, invalid device=1"),)),
    Rule("CMD007", "parallel-size-exceeds-devices", "TP × PP × local DP fits the chips the container has",
         "vLLM starts one worker per chip; more workers than chips fail at start.",
         "Map as many chips as --tensor-parallel-size × --pipeline-parallel-size × --data-parallel-size-local, "
         "or lower the sizes.",
         "Multi-node set-ups split the ranks across nodes; the local sizes count here.", (GUIDE,)),
    Rule("CMD008", "shm-too-small", "the container has at least 1 GiB of /dev/shm (`--shm-size` or `--ipc=host`)",
         "Docker's default /dev/shm is 64 MiB; vLLM's worker processes exchange tensors through it.",
         "Add `--shm-size=1g` (more for Ray or pipeline parallel) or `--ipc=host`.",
         "Single-NPU servers often run with the default; then only a WARN.",
         (GUIDE, ("https://github.com/gpustack/gpustack/issues/5014", "/dev/shm exhausted with Ray on Ascend"))),
    Rule("CMD009", "host-network-missing", "multi-node and tensor-parallel containers use host networking",
         "HCCL binds the host's NICs (HCCL_IF_IP, HCCL_SOCKET_IFNAME) and peers connect to the host's addresses; "
         "a bridge network hides them.",
         "Add `--net=host` (the guides' multi-NPU and multi-node docker runs have it).",
         "Single-node tensor parallel works on a bridge network; then only a WARN.", (GUIDE,)),
    Rule("CMD010", "user-without-passwd-entry", "a non-root `--user` exists in the image",
         "A UID without an /etc/passwd entry makes getpwuid fail in torch and getpass; the user also needs access "
         "to /dev/davinci* (HwHiAiUser's group).",
         "Run as root as the guides do, or create the user in the image with the same UID and the HwHiAiUser group.",
         "Images built with that user have an entry; this is a WARN.",
         (("https://github.com/vllm-project/vllm-ascend/issues/9490",
           "non-root container with UID 1000 fails when /etc/passwd has no entry"),)),
)}


def _finding(code: str, status, summary: str, confidence: float, piece_line: int, text: str,
             paste_next: tuple[str, ...] = ()) -> Diagnosis:
    rule = RULES[code]
    return Diagnosis(code, rule.name, status, summary, confidence, (Quote(piece_line, text[:300]),), rule.fix,
                     "command", paste_next)


def shm_bytes(value: str) -> int | None:
    found = _SIZE.fullmatch(value.strip())
    if not found:
        return None
    power = " kmgt".index(found.group(2).lower() or " ")
    return int(float(found.group(1)) * 1024 ** power)


class Context:
    """One docker run, with the vllm serve and environment the paste shows beside it."""

    def __init__(self, run: DockerRun, line: int, serve: VllmServe | None, env: dict[str, str]) -> None:
        self.run, self.line, self.serve = run, line, serve
        self.env = {**env, **run.env}
        self.privileged = run.has("--privileged")
        self.chips = sorted({int(m.group(1)) for d in run.devices if (m := _DAVINCI.match(d))})
        self.unknown_devices = [d for d in run.devices if "$" in d]

    def mounted(self, path: str) -> bool:
        return any(path == c.rstrip("/") or path.startswith(c.rstrip("/") + "/")
                   for _, c in self.run.mounts if c and "$" not in c)


def _devices(ctx: Context) -> list[Diagnosis]:
    if ctx.privileged:
        return []
    found = []
    if not ctx.chips and not ctx.unknown_devices:
        found.append(_finding("CMD001", FAIL, "the docker run maps no /dev/davinciN: the container has no NPU", 0.9,
                              ctx.line, ctx.run.text))
    missing = [n for n in CONTROL_NODES if n not in ctx.run.devices]
    strays = [d for d in ctx.run.devices if "$" not in d and d not in CONTROL_NODES and not _DAVINCI.match(d)]
    if missing:
        typo = f" ({', '.join(strays)} is no Ascend node: a typo?)" if strays else ""
        # A $DEVICE the paste does not resolve is taken for a chip, as the guides use it.
        found.append(_finding("CMD002", FAIL, f"the docker run does not map {', '.join(missing)}{typo}",
                              0.7 if ctx.unknown_devices else 0.9, ctx.line, ctx.run.text))
    return found


def _mounts(ctx: Context) -> list[Diagnosis]:
    if ctx.privileged and ctx.mounted("/usr/local/Ascend"):
        return []
    if not ctx.mounted(DRIVER_LIBS):
        return [_finding("CMD003", FAIL, f"the docker run does not mount {DRIVER_LIBS}: torch_npu cannot load "
                         "the driver (libascend_hal.so)", 0.8, ctx.line, ctx.run.text)]
    missing = [m for m in OTHER_MOUNTS if not ctx.mounted(m)]
    if missing:
        return [_finding("CMD003", WARN, f"the docker run does not mount {', '.join(missing)}", 0.5,
                         ctx.line, ctx.run.text)]
    return []


def _multi_node(ctx: Context) -> list[Diagnosis]:
    serve = ctx.serve
    if serve is None or not (serve.multi_node or serve.disaggregated):
        return []
    found = []
    what = "disaggregated (--kv-transfer-config)" if serve.disaggregated else "multi-node"
    missing = [m for m in HCCN_MOUNTS if not ctx.mounted(m)]
    if len(missing) == len(HCCN_MOUNTS):
        found.append(_finding("CMD004", FAIL, f"{what} serving, but the container has neither /etc/hccn.conf nor "
                              "hccn_tool: the chips' RoCE addresses cannot be read", 0.7, ctx.line, ctx.run.text))
    if ctx.run.network() != "host":
        found.append(_finding("CMD009", FAIL, f"{what} serving without --net=host", 0.7, ctx.line, ctx.run.text))
    return found


def _visible(ctx: Context) -> list[Diagnosis]:
    value = ctx.env.get("ASCEND_RT_VISIBLE_DEVICES", "")
    found = []
    if ctx.privileged and (ctx.chips or value):
        found.append(_finding("CMD005", WARN, "--privileged gives every chip of the host: the device selection "
                              "does not isolate this container", 0.6, ctx.line, ctx.run.text))
    wanted = [int(v) for v in re.split(r"[,\s]+", value) if v.isdigit()]
    if not ctx.privileged and ctx.chips and not ctx.unknown_devices and wanted and max(wanted) >= len(ctx.chips):
        found.append(_finding("CMD006", FAIL, f"ASCEND_RT_VISIBLE_DEVICES={value} but the container has "
                              f"{len(ctx.chips)} chip(s), numbered 0 to {len(ctx.chips) - 1} inside it", 0.85,
                              ctx.line, ctx.run.text))
    return found


def _parallel(ctx: Context) -> list[Diagnosis]:
    serve = ctx.serve
    if serve is None or ctx.privileged or ctx.unknown_devices or not ctx.chips:
        return []
    if serve.npus > len(ctx.chips):
        return [_finding("CMD007", FAIL, f"vllm serve needs {serve.npus} chip(s) (TP {serve.tensor_parallel} × "
                         f"PP {serve.pipeline_parallel} × local DP {serve.data_parallel_local}); the container has "
                         f"{len(ctx.chips)}", 0.85, ctx.line, ctx.run.text)]
    return []


def _shm_and_network(ctx: Context) -> list[Diagnosis]:
    tp = ctx.serve.tensor_parallel if ctx.serve else 1
    found = []
    sizes = ctx.run.values("--shm-size")
    size = shm_bytes(sizes[-1]) if sizes else None
    if "host" not in ctx.run.values("--ipc") and (size is None or size < GiB):
        said = f"--shm-size={sizes[-1]}" if sizes else "no --shm-size (docker gives 64 MiB)"
        status = FAIL if tp > 1 else WARN
        found.append(_finding("CMD008", status, f"{said} and no --ipc=host", 0.6 if tp > 1 else 0.4,
                              ctx.line, ctx.run.text))
    multi = ctx.serve is not None and (ctx.serve.multi_node or ctx.serve.disaggregated)
    if tp > 1 and not multi and ctx.run.network() != "host":
        found.append(_finding("CMD009", WARN, f"tensor parallel {tp} on a bridge network", 0.3,
                              ctx.line, ctx.run.text))
    return found


def _user(ctx: Context) -> list[Diagnosis]:
    users = ctx.run.values("--user")
    if not users:
        return []
    name = users[-1].split(":")[0]
    if name in ("0", "root") or "$" in name:
        return []
    return [_finding("CMD010", WARN, f"the container runs as user {name}: the image needs an /etc/passwd entry "
                     "for it and access to /dev/davinci*", 0.5, ctx.line, ctx.run.text)]


CHECKS = (_devices, _mounts, _multi_node, _visible, _parallel, _shm_and_network, _user)


def lint(found: Extracted) -> list[Diagnosis]:
    env = {name: piece.text for name, piece in found.env.items()}
    serves = [parse_vllm_serve(p.text) for p in found.vllm_serve]
    results: list[Diagnosis] = []
    for piece in found.docker_run:
        run = parse_docker_run(piece.text)
        if run.image is None and not run.options:
            continue
        ctx = Context(run, piece.line, serves[-1] if serves else None, env)
        for check in CHECKS:
            results.extend(check(ctx))
    return _once_per_code(results)


def _once_per_code(found: list[Diagnosis]) -> list[Diagnosis]:
    """The worst finding of each code: several docker runs of one paste mostly repeat one set-up."""
    best: dict[str, Diagnosis] = {}
    for d in found:
        if d.code not in best or d.rank() < best[d.code].rank():
            best[d.code] = d
    return list(best.values())
