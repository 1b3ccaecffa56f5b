"""The outputs `ascend-doctor parse KIND` reads: the one table from KIND to its parser.

Every parser module in doctor/parsers has a row here (tests/cli/test_parse_kinds.py holds the table
to that), so a new parser is reachable as soon as it has one. A row holds names, not functions: a
parser is imported only when its kind is parsed, and `ascend-doctor --version` loads none.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Kind:
    module: str             # a module of doctor.parsers
    parser: str             # its function: text -> record; raises only ParseError
    output: str             # what the input is, as the help and the messages name it
    view: str = "jsonable"  # the function of doctor.commands.parse_views that turns the record into JSON
    own_schema: bool = False  # the module prints its own schema (to_schema, error_schema, reported_error)

    def module_object(self):
        return importlib.import_module(f"doctor.parsers.{self.module}")

    def parse_function(self) -> Callable:
        return getattr(self.module_object(), self.parser)

    def view_function(self) -> Callable:
        return getattr(importlib.import_module("doctor.commands.parse_views"), self.view)


KINDS = {
    # npu-smi-info predates the shared document: its schema npu-smi-info/1 is docs/npu-smi-info.md.
    "npu-smi-info": Kind("npu_smi_info", "parse", "an npu-smi info output", own_schema=True),
    "npu-smi-info-l": Kind("npu_smi_fields", "parse_card_list", "an npu-smi info -l output"),
    "npu-smi-info-m": Kind("npu_smi_map", "parse_chip_map", "an npu-smi info -m output"),
    "npu-smi-board": Kind("npu_smi_fields", "parse_board", "an npu-smi info -t board output"),
    "npu-smi-health": Kind("npu_smi_fields", "parse_health", "an npu-smi info -t health output"),
    "npu-smi-fields": Kind("npu_smi_fields", "parse_sections",
                           "an npu-smi 'Key : value' output (info -t usages, memory, common, ecc ...)"),
    "hccn-link": Kind("hccn", "parse_link_status", "an hccn_tool -i N -link -g output"),
    "hccn-net-health": Kind("hccn", "parse_net_health", "an hccn_tool -i N -net_health -g output"),
    "hccn-ip": Kind("hccn", "parse_ip", "an hccn_tool -i N -ip -g output"),
    "hccn-fec": Kind("hccn", "parse_fec", "an hccn_tool -i N -fec -g output"),
    "hccn-link-stat": Kind("hccn", "parse_link_stat", "an hccn_tool -i N -link_stat -g output"),
    "hccn-optical": Kind("hccn", "parse_optical", "an hccn_tool -i N -optical -g output", view="optical"),
    "hccn-stat": Kind("hccn", "parse_stat", "an hccn_tool -i N -stat -g output"),
    "hccn-hw-stats": Kind("hccn", "parse_hw_stats", "an hccn_tool -i N -hw_stats -g output"),
    "hccn-ping": Kind("hccn", "parse_ping", "an hccn_tool -i N -ping -g address A output"),
    "hccn-route": Kind("hccn", "parse_route", "an hccn_tool -i N -route -g output"),
    "hccn-lldp": Kind("hccn", "parse_lldp", "an hccn_tool -i N -lldp -g output", view="lldp"),
    "hccn-status": Kind("hccn", "parse_netdev_status", "an hccn_tool -i N -status -g output", view="netdev_status"),
    "hccn-tls": Kind("hccn", "parse_tls_switch", "an hccn_tool -i N -tls -g output"),
    "hccn-conf": Kind("hccn", "parse_hccn_conf", "an /etc/hccn.conf file"),
    "ping": Kind("hccn", "parse_ping_summary", "a ping output (hccn_tool -ping, iputils or busybox ping)"),
    "dev-ls-l": Kind("dev_listing", "parse_ls_l", "an ls -l /dev/... listing"),
    "dev-ls": Kind("dev_listing", "parse_ls_names", "an ls /dev/davinci* listing", view="device_names"),
    "lspci": Kind("dev_listing", "parse_lspci", "an lspci output (usually filtered by grep)"),
    "version-file": Kind("version_files", "parse_version_file",
                         "an Ascend version file (version.info, ascend_install.info, *_install.info)",
                         view="version_file"),
    "version-cfg": Kind("version_files", "parse_version_cfg", "a CANN toolkit version.cfg", view="version_cfg"),
    "collect-env": Kind("collect_env", "parse_collect_env",
                        "a collect_env report (python -m vllm.collect_env, vllm-ascend's collect_env.py)",
                        view="collect_env"),
}


def listing() -> str:
    """The kinds and what each reads, for `ascend-doctor parse --help`."""
    width = max(map(len, KINDS))
    return "\n".join(f"  {name:<{width}}  {kind.output}" for name, kind in KINDS.items())
