"""The collector sent to a fleet host: this package's probe modules and a small importer, as one script.

The host runs it as `python3 -` (stdin), needs only its standard library, and keeps nothing:
modules are executed from memory, never written to the host's disk.
"""

from __future__ import annotations

import base64
import json
import zlib
from functools import lru_cache
from importlib import resources

# Every module the probes import, packages first. tests/fleet checks the list is complete and
# that each module keeps to what Python 3.7 understands.
MODULES = (
    "doctor", "doctor.evidence", "doctor.evidence_keys", "doctor.bounded", "doctor.redact",
    "doctor.parsers", "doctor.parsers.errors", "doctor.parsers.text", "doctor.parsers.npu_smi_info",
    "doctor.probes", "doctor.probes.reaper", "doctor.probes.netlink", "doctor.probes.command",
    "doctor.probes.files", "doctor.probes.host", "doctor.probes.followups", "doctor.probes.plan",
    "doctor.probes.remote",
)
PACKAGES = {"doctor", "doctor.parsers", "doctor.probes"}

BOOTSTRAP = '''\
import base64, importlib.abc, importlib.util, json, sys, zlib
SOURCES = json.loads(zlib.decompress(base64.b64decode("{payload}")).decode("utf-8"))


class Bundle(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        if name in SOURCES:
            return importlib.util.spec_from_loader(name, self, is_package=SOURCES[name][0])
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        is_package, source = SOURCES[module.__name__]
        if is_package:
            module.__path__ = []
        exec(compile(source, "<ascend-doctor>/" + module.__name__, "exec"), module.__dict__)


if sys.version_info < (3, 7):
    sys.stderr.write("ascend-doctor collector: python3 is %s; it needs 3.7 or later\\n" % sys.version.split()[0])
    sys.exit(97)
sys.meta_path.insert(0, Bundle())
from doctor.probes.remote import main
sys.exit(main(json.loads({settings!r})))
'''
TOO_OLD_EXIT = 97


def module_source(name: str) -> str:
    package, _, leaf = name.rpartition(".") if name not in PACKAGES else (name, "", "__init__")
    return resources.files(package).joinpath(f"{leaf}.py").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _payload() -> str:
    sources = {name: (name in PACKAGES, module_source(name)) for name in MODULES}
    return base64.b64encode(zlib.compress(json.dumps(sources).encode("utf-8"), 9)).decode("ascii")


def collector_script(devices: tuple[int, ...] | None, timeout: float, image: str | None = None,
                     npu_pings: tuple = (), host_pings: tuple = (), pings_only: bool = False, root: str = "/") -> str:
    """The script, with what to collect baked in: devices (None: every chip), probe timeout, the image
    to identify, and peers to ping (chip, address) over RoCE and by address from the host; with
    pings_only, nothing but the pings."""
    settings = json.dumps({"devices": list(devices) if devices is not None else None, "timeout": timeout,
                           "image": image, "npu_pings": [list(p) for p in npu_pings],
                           "host_pings": list(host_pings), "pings_only": pings_only, "root": root})
    return BOOTSTRAP.format(payload=_payload(), settings=settings)
