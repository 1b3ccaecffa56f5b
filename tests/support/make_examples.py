"""Write the bundled example snapshots in examples/ from simulated hosts built of real captures.

    python -m tests.support.make_examples
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from dataclasses import replace

from doctor import snapshot
from doctor.evidence import Evidence
from doctor.probes.plan import Options, collect
from tests.support import hosts, simhost

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# name -> (host, the --devices it is collected for)
CASES = {
    "atlas-800i-a2-healthy": (hosts.atlas_800i_a2_healthy, (0, 1)),
    "atlas-800-a3-busy": (hosts.atlas_800_a3_busy, (8, 9)),
    "atlas-300i-duo": (hosts.atlas_300i_duo, (0, 1)),
    "alarm-chip": (hosts.alarm_chip, None),
    "chip-held-by-another-container": (hosts.chip_held_elsewhere, (7,)),
}


def make(name: str, build_spec, devices) -> Path:
    spec = build_spec()
    with tempfile.TemporaryDirectory(prefix="ascend-doctor-example-") as tmp:
        root = simhost.build(Path(tmp) / "root", spec)
        evidence = without_root(collect(Options(root=str(root), devices=devices,
                                                env=simhost.probe_env(root, spec))), str(root))
    evidence.meta["root"] = "/"
    evidence.meta["example"] = name
    return Path(snapshot.write(evidence, str(EXAMPLES / name), force=True))


def without_root(evidence: Evidence, root: str) -> Evidence:
    """Show paths as the host would have them, not under the temporary build directory."""
    clean = Evidence(meta=evidence.meta)
    for obs in evidence.observations.values():
        clean.add(replace(obs, detail=obs.detail.replace(root, ""), output=obs.output.replace(root, ""),
                          argv=tuple(a.replace(root, "") for a in obs.argv)))
    return clean


def main(names: list[str]) -> int:
    for name in names or list(CASES):
        build_spec, devices = CASES[name]
        print(make(name, build_spec, devices))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
