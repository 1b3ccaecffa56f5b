"""Filters the service role uses while it replaces containers (the parsing lives in the doctor)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

try:
    from doctor.parsers import npu_smi_info
    from doctor.parsers.errors import ParseError
except ImportError as exc:  # the controller needs `pip install ascend-doctor`
    MISSING = exc
else:
    MISSING = None


def npu_holders(npu_smi_output, devices):
    """{device: [pid, ...]} for each of ``devices`` that a process still holds, per `npu-smi info`.

    Raises when the output is not a chip table, so a wait never mistakes garbage for released chips."""
    if MISSING is not None:
        raise AnsibleFilterError(f"the ascend-doctor package is not importable on the controller ({MISSING})")
    try:
        info = npu_smi_info.parse(str(npu_smi_output))
    except ParseError as exc:
        raise AnsibleFilterError(f"npu-smi info printed no chip table: {exc}") from exc
    if info.error is not None or not info.chips:
        raise AnsibleFilterError(f"npu-smi info printed no chip table: {info.error.text if info.error else 'no chips'}")
    index = {(chip.npu_id, chip.chip_id): chip.device_index for chip in info.chips}
    wanted = {int(d) for d in devices}
    held: dict[int, list[int]] = {}
    for process in info.processes:
        device = index.get((process.npu_id, process.chip_id))
        if device in wanted:
            held.setdefault(device, []).append(process.pid)
    return held


def service_definition(service):
    """What the host keeps about a running service: everything rendered but the role's own copy of it."""
    return {key: value for key, value in dict(service).items() if key != "definition"}


# The container reads the key it serves with from VLLM_API_KEY (its env file); vLLM's benchmark sends
# OPENAI_API_KEY. Handing one to the other inside the container keeps the key out of every argv.
_WITH_KEY = ["sh", "-c", 'OPENAI_API_KEY="$VLLM_API_KEY" exec "$@"', "sh"]


def vllm_bench_plan(service, overrides=None):
    """How the evaluate role benchmarks one rendered service inside its own container: per concurrency
    level the `docker exec` argv and where vLLM leaves its result file."""
    if MISSING is not None:
        raise AnsibleFilterError(f"the ascend-doctor package is not importable on the controller ({MISSING})")
    from doctor.benchmark.argv import bench_argv
    from doctor.benchmark.settings import BenchSettings

    service = dict(service)
    try:
        settings = BenchSettings.from_mapping(_bench_mapping({**service["benchmark"], **dict(overrides or {})}))
    except ValueError as exc:
        raise AnsibleFilterError(f"benchmark settings of {service['name']}: {exc}") from None
    result_dir = f"/tmp/ascend-doctor-bench-{service['name']}"
    command = ["docker", "exec", service["name"], *(_WITH_KEY if service.get("api_key_set") else []), "vllm"]
    levels = []
    for concurrency in settings.concurrency:
        name = f"vllm-bench-c{concurrency}"
        argv = bench_argv(settings, base_url=f"http://127.0.0.1:{service['port_inside']}",
                          model=service["served_model_name"], tokenizer=_served_path(service),
                          concurrency=concurrency, result_dir=result_dir, result_filename=f"{name}.json")
        levels.append({"name": name, "concurrency": concurrency, "argv": command + argv,
                       "result_path": f"{result_dir}/{name}.json"})
    return {"result_dir": result_dir, "settings": settings.to_dict(), "levels": levels}


def _bench_mapping(settings: dict) -> dict:
    """A recipe's settings as BenchSettings takes them: no source note, null meaning vLLM's default, and no
    concurrency levels meaning no cap (at most every prompt in flight)."""
    mapping = {key: value for key, value in settings.items() if key != "source" and value is not None}
    prompts = mapping.get("num_prompts", 100)
    if not mapping.get("concurrency") and isinstance(prompts, int) and not isinstance(prompts, bool):
        mapping["concurrency"] = [prompts]
    return mapping


def _served_path(service: dict) -> str:
    """What `vllm serve` loads in the container (a mounted path or a hub id): the benchmark's tokenizer."""
    argv = list(service["argv"])
    at = next(i for i in range(len(argv) - 1) if argv[i] == "vllm" and argv[i + 1] == "serve")
    return argv[at + 2]


def evaluate_verdict(run):
    """One line on what `ascend-doctor bench|eval --json` decided, from its document when it printed one."""
    import json

    run = dict(run)
    try:
        document = json.loads(run.get("stdout") or "")
    except ValueError:
        document = None
    if isinstance(document, dict):
        said = _gate_words(document.get("gate")) + [str(e) for e in document.get("errors") or []]
        if said:
            return "; ".join(said)[:1000]
    tail = (run.get("stderr") or "").strip().splitlines()
    return tail[-1][:1000] if tail else f"exit {run.get('rc')}"


def _gate_words(gate) -> list:
    if not isinstance(gate, dict) or gate.get("passed") is not False:
        return []
    if "regressions" in gate:
        return [f"{r.get('figure')} at concurrency {r.get('concurrency')}: {r.get('measured')} against baseline "
                f"{r.get('baseline')} ({r.get('change_pct')}%)" for r in gate["regressions"] if isinstance(r, dict)]
    return [f"measured below the floor {gate.get('floor')} (baseline {gate.get('baseline')}, "
            f"tolerance {gate.get('tolerance')})"]


class FilterModule:
    def filters(self):
        return {"npu_holders": npu_holders, "service_definition": service_definition,
                "vllm_bench_plan": vllm_bench_plan, "evaluate_verdict": evaluate_verdict}
