"""Raw evidence: what a probe saw, uninterpreted, and the set of it for one host."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from fnmatch import fnmatchcase

# How a probe ended. Only "ok" carries output worth parsing; the others are
# themselves evidence (a missing npu-smi is a finding, a hung one is undecided).
OK = "ok"
MISSING = "missing"          # the binary or file does not exist
NOT_A_FILE = "not-a-file"    # exists, but is a directory (a docker -v of an absent host path)
PERMISSION = "permission"    # exists, but could not be read or executed
TIMEOUT = "timeout"          # killed at its deadline
FAILED = "failed"            # could not be run at all for another reason (OSError ...)
TOO_LARGE = "too-large"      # more output than a probe keeps: cut at the limit, not to be trusted whole
REFUSED = "refused"          # exists, but is not something to read (a FIFO, a device, a link out of a snapshot)
STATUSES = (OK, MISSING, NOT_A_FILE, PERMISSION, TIMEOUT, FAILED, TOO_LARGE, REFUSED)
UNDECIDABLE = (TIMEOUT, TOO_LARGE, REFUSED)
# What a fleet host's collector prints: a snapshot's manifest with each output inline.
DOCUMENT_SCHEMA = "ascend-doctor-evidence/1"   # evidence that exists but cannot be judged: ERROR, not SKIP


@dataclass(frozen=True)
class Observation:
    key: str                     # stable name, e.g. "npu-smi info", "file:/etc/ascend_install.info"
    kind: str                    # "command" | "file" | "json"
    status: str
    output: str = ""             # stdout, file content, or JSON text
    stderr: str = ""
    exit_code: int | None = None
    duration_s: float = 0.0
    started_at: float = 0.0      # epoch seconds
    detail: str = ""             # what went wrong, or the resolved path/argv
    argv: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == OK

    def to_manifest(self, output_file: str | None) -> dict:
        entry = asdict(self)
        del entry["output"]
        entry["argv"] = list(self.argv)
        entry["output_file"] = output_file
        return entry


@dataclass
class Evidence:
    """Every observation of one collection, by key, plus what was asked for."""

    observations: dict[str, Observation] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)

    def add(self, obs: Observation) -> None:
        self.observations[obs.key] = obs

    def get(self, key: str) -> Observation | None:
        return self.observations.get(key)

    def keys_with_prefix(self, prefix: str) -> list[str]:
        return sorted(k for k in self.observations if k.startswith(prefix))

    def keys_matching(self, pattern: str) -> list[str]:
        """Keys that fit a pattern whose `*` stands for any text: "hccn_tool -i * -link -g"."""
        return sorted(k for k in self.observations if fnmatchcase(k, pattern))
