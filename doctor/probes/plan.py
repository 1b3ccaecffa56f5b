"""What to collect from a host, and collecting it concurrently."""

from __future__ import annotations

import glob
import os
import time
from typing import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from doctor import __version__
from doctor.evidence import Evidence, Observation
from doctor.evidence_keys import (DEV, DOCKER_INFO, DOCKER_PS, DRIVER_INFO, FIRMWARE_INFO, HCCN_CONF, INSTALL_INFO,
                                  JEMALLOC_CANDIDATES, NPU_SMI_INFO, OS_RELEASE, PATHS, davinci_index, hccn_key,
                                  host_ping_key, image_key, npu_ping_key, npu_smi_health_key, npu_smi_key,
                                  preload_candidates, preload_entries)
from doctor.probes import host, reaper
from doctor.probes.command import run_command
from doctor.probes.files import describe_paths, list_dir, read_file, under_root

DEVICE_DIR_PREFIXES = ("davinci", "devmm_svm", "hisi_hdc")
TOOL_DIRS = ("/usr/local/bin", "/usr/local/sbin", "/usr/local/Ascend/driver/tools", "/usr/bin", "/usr/sbin")
VERSION_FILES = (DRIVER_INFO, FIRMWARE_INFO, INSTALL_INFO, OS_RELEASE, HCCN_CONF)
# Where CANN lives: the classic toolkit layout, CANN >= 8.5's cann-<version>, and nnae.
CANN_HOME_GLOBS = (
    "/usr/local/Ascend/ascend-toolkit/latest",
    "/usr/local/Ascend/cann-*",
    "/usr/local/Ascend/nnae/latest",
)
CANN_FILE_GLOBS = ("*-linux/ascend_toolkit_install.info", "ascend_toolkit_install.info",
                   "*-linux/ascend_nnae_install.info", "version.cfg")
HCCN_QUERIES = ("-link", "-net_health", "-ip")
# Enough for every probe of a 16-chip A3 (3 npu-smi, 48 hccn_tool, docker) and its follow-ups at once;
# they spend their time waiting on the host, not on this machine's cores.
PROGRESS_EVERY_S = 1.0     # how often a slow wave says which probes it waits for
MAX_WORKERS = 128

Probe = Callable[[], Observation]


@dataclass(frozen=True)
class Options:
    root: str = "/"
    devices: tuple[int, ...] | None = None   # the intended NPUs; None: every /dev/davinciN
    timeout: float = 10.0
    python: str | None = None                 # a Python whose packages to list
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    image: str | None = None                  # an image whose ID and digests to read from docker
    tls: bool = False                         # also each chip's RoCE TLS switch (compared across a fleet)
    npu_pings: tuple = ()                     # (device, address): ping a peer chip over RoCE
    host_pings: tuple = ()                    # addresses to ping from the host (HCCL_IF_IP of peers)

    def search_dirs(self) -> list[str]:
        on_path = [d for d in self.env.get("PATH", "").split(os.pathsep) if d]
        rooted = [under_root(self.root, d) for d in TOOL_DIRS]
        # On an inspected root (a mounted host), its own tools come first.
        return rooted + on_path if self.root not in ("", "/") else on_path + rooted


def device_indexes(root: str) -> list[int]:
    try:
        names = os.listdir(under_root(root, "/dev"))
    except OSError:
        return []
    return sorted(i for i in map(davinci_index, names) if i is not None)


def cann_files(root: str) -> list[str]:
    """Paths (as seen on the host) of CANN version files and set_env.sh candidates."""
    found = []
    for home_glob in CANN_HOME_GLOBS:
        for home in sorted(glob.glob(under_root(root, home_glob))):
            for pattern in CANN_FILE_GLOBS:
                found += sorted(glob.glob(os.path.join(home, pattern)))
    return [_host_path(root, p) for p in found]


def set_env_candidates(root: str) -> list[str]:
    homes = ["/usr/local/Ascend/ascend-toolkit/latest", "/usr/local/Ascend/nnae/latest"]
    homes += [_host_path(root, p) for p in sorted(glob.glob(under_root(root, "/usr/local/Ascend/cann-*")))]
    return [os.path.join(os.path.dirname(h) if h.endswith("/latest") else h, "set_env.sh") for h in homes]


def _host_path(root: str, real: str) -> str:
    if root in ("", "/"):
        return real
    return "/" + os.path.relpath(real, root)


def command_maker(options: Options) -> Callable[[str, list], Probe]:
    """command(key, argv): a probe that runs argv with the options' deadline and tool directories."""
    dirs, t = options.search_dirs(), options.timeout

    def command(key: str, argv: list) -> Probe:
        def probe():
            return run_command(key, argv, t, dirs)
        probe.key = key          # named while it runs, for progress on a slow one
        return probe
    return command


def plan(options: Options) -> list[Probe]:
    root, t, dirs = options.root, options.timeout, options.search_dirs()
    devices = options.devices if options.devices is not None else tuple(device_indexes(root))
    command = command_maker(options)

    # Commands first: they wait on the host, and the local probes fit in while they do.
    probes: list[Probe] = [
        command(NPU_SMI_INFO, ["npu-smi", "info"]),
        command(npu_smi_key("info", "-l"), ["npu-smi", "info", "-l"]),
        command(npu_smi_key("info", "-m"), ["npu-smi", "info", "-m"]),
        command(DOCKER_INFO, ["docker", "info", "--format", "{{json .}}"]),
        command(DOCKER_PS, ["docker", "ps", "--no-trunc", "--format", "{{json .}}"]),
    ]
    for device in devices:
        for query in HCCN_QUERIES:
            probes.append(command(hccn_key(device, query), ["hccn_tool", "-i", str(device), query, "-g"]))
    if options.python:
        probes.append(lambda: host.probe_python(options.python, t, dirs))
    probes += _fleet_probes(options, devices, command)
    probes += [
        lambda: list_dir(root, DEV, "/dev", DEVICE_DIR_PREFIXES),
        lambda: host.probe_env(options.env),
        lambda: host.probe_shm(root),
        host.probe_memory,
        host.probe_interfaces,
        host.probe_platform,
    ]
    for path in (*VERSION_FILES, *cann_files(root)):
        probes.append(lambda path=path: read_file(root, path))
    preloads = [c for e in preload_entries(options.env) for c in preload_candidates(e)]
    watched = [*preloads, *JEMALLOC_CANDIDATES, *set_env_candidates(root)]
    probes.append(lambda: describe_paths(root, PATHS, watched))
    return probes


def _fleet_probes(options: Options, devices, command) -> list[Probe]:
    """What only a fleet compares: TLS switches, the image's identity, reachability of peers."""
    probes = []
    if options.tls:
        probes += [command(hccn_key(d, "-tls"), ["hccn_tool", "-i", str(d), "-tls", "-g"]) for d in devices]
    if options.image:
        probes.append(command(image_key(options.image),
                              ["docker", "image", "inspect", "--format", "{{json .}}", options.image]))
    return probes + ping_probes(options, command)


def ping_probes(options: Options, command) -> list[Probe]:
    probes = []
    for device, address in options.npu_pings:
        probes.append(command(npu_ping_key(device, address),
                              ["hccn_tool", "-i", str(device), "-ping", "-g", "address", address]))
    for address in options.host_pings:
        probes.append(command(host_ping_key(address), ["ping", "-c", "2", "-W", "1", "-n", address]))
    return probes


def collect_pings(options: Options) -> Evidence:
    """Only the pings to peers: the second round of a multi-node fleet check."""
    started = time.time()
    return _evidence(options, started, run_wave(ping_probes(options, command_maker(options))))


def collect(options: Options, progress=None) -> Evidence:
    """Every probe in one wave; npu-smi's health detail starts as soon as `npu-smi info` is in.
    `progress` (doctor.waiting.Waiting) hears which probes are still running while some are slow."""
    started = time.time()
    follow_ups = {NPU_SMI_INFO: lambda obs: npu_smi_follow_ups(obs, options)}
    return _evidence(options, started, run_wave(plan(options), follow_ups, progress))


def _evidence(options: Options, started: float, observations: list[Observation]) -> Evidence:
    """The observations, secrets redacted once, as one collection's evidence."""
    from doctor.redact import redact_observation   # imported while the probes run (commands/check.py)

    evidence = Evidence(meta=_meta(options, started))
    for obs in observations:
        evidence.add(redact_observation(obs))
    evidence.meta["duration_s"] = round(time.time() - started, 3)
    return evidence


def run_wave(probes: list[Probe], follow_ups: Mapping[str, Callable[[Observation], list[Probe]]] = {},
             progress=None) -> list[Observation]:
    """Run the probes concurrently; a probe's follow-ups start the moment it returns.

    Ctrl-C kills every running probe (and what escaped from it) before it is raised.
    """
    done: list[tuple[int, Observation]] = []
    if not probes:
        return []
    pool = ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="probe")
    try:
        order = {pool.submit(probe): index for index, probe in enumerate(probes)}
        keys = {future: getattr(probes[index], "key", "a probe") for future, index in order.items()}
        pending = set(order)
        while pending:
            finished, pending = wait(pending, timeout=PROGRESS_EVERY_S, return_when=FIRST_COMPLETED)
            if progress is not None:
                progress.update(_still_running(pending, keys))
            for future in finished:
                obs = future.result()
                done.append((order[future], obs))
                hook = follow_ups.get(obs.key)
                for probe in hook(obs) if hook else ():
                    future = pool.submit(probe)
                    order[future], keys[future] = len(order), getattr(probe, "key", "a probe")
                    pending.add(future)
    except BaseException:
        reaper.kill_all()
        _abandon(pool)
        raise
    pool.shutdown(wait=True)
    if progress is not None:
        progress.finish(f"{len(done)} probes done")
    return [obs for _, obs in sorted(done, key=lambda pair: pair[0])]


def _still_running(pending, keys: dict) -> str:
    names = sorted(keys[future] for future in pending)
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f"still running: {shown}" if names else "finishing"


def npu_smi_follow_ups(npu_smi_info: Observation, options: Options) -> list[Probe]:
    """What `npu-smi info` asks to look at next: sick chips' health, and who its processes are."""
    from doctor.probes.followups import npu_process_ids

    probes = health_follow_ups(npu_smi_info, options)
    pids = npu_process_ids(npu_smi_info)
    if pids:
        probes.append(lambda: host.probe_process_owners(pids))
    return probes


def health_follow_ups(npu_smi_info: Observation, options: Options) -> list[Probe]:
    """npu-smi's health detail for the chips it does not call OK (none when it cannot tell)."""
    from doctor.probes.followups import unhealthy_chip_ids

    command = command_maker(options)
    probes = []
    for npu_id, chip_id in unhealthy_chip_ids(npu_smi_info):
        args = ["info", "-t", "health", "-i", str(npu_id), "-c", str(chip_id)]
        probes.append(command(npu_smi_health_key(npu_id, chip_id), ["npu-smi", *args]))
    return probes


def _abandon(pool: ThreadPoolExecutor) -> None:
    try:
        pool.shutdown(wait=False, cancel_futures=True)
    except TypeError:   # Python < 3.9 (a fleet host's own python3) has no cancel_futures
        pool.shutdown(wait=False)


def _meta(options: Options, started: float) -> dict:
    return {
        "doctor_version": __version__,
        "root": options.root,
        "devices": list(options.devices) if options.devices is not None else None,
        "timeout_s": options.timeout,
        "collected_at": started,
        "python": options.python,
    }
