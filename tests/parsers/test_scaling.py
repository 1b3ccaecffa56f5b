"""The parsers take time linear in their input: ten times the lines (or a ten times longer line)
cost about ten times as long, never the hundred times a quadratic parser would.

Each input is timed in CPU time of this process (other processes on a busy 2-core machine do
not count), best of 3, repeated until the small one takes long enough to measure; the bound
(30 times) is far from both. The sizes keep a quadratic regression failing within seconds.
"""

from __future__ import annotations

import time

import pytest

from doctor.parsers import collect_env, dev_listing, hccn, npu_smi_fields, npu_smi_info
from doctor.parsers.errors import ParseError
from tests.parsers import synthetic

GROWTH = 10
MAX_RATIO = 30
MEASURABLE_S = 0.01


def _run(parse, text: str, repeat: int) -> float:
    started = time.process_time()
    for _ in range(repeat):
        try:
            parse(text)
        except ParseError:
            pass
    return time.process_time() - started


def _best_of_3(parse, text: str, repeat: int) -> float:
    return min(_run(parse, text, repeat) for _ in range(3))


def _repeat_to_measure(parse, text: str) -> int:
    repeat = 1
    while _run(parse, text, repeat) < MEASURABLE_S and repeat < 1 << 16:
        repeat *= 2
    return repeat


def growth_ratio(parse, make, size: int) -> float:
    small, large = make(size), make(size * GROWTH)
    repeat = _repeat_to_measure(parse, small)
    return _best_of_3(parse, large, repeat) / _best_of_3(parse, small, repeat)


# (parser, input of a given size, small size): real-shaped outputs grown by their repeated lines.
GROWING_OUTPUTS = {
    "npu-smi info process rows": (npu_smi_info.parse, synthetic.npu_smi_info, 2_000),
    "npu-smi health continuation lines": (npu_smi_fields.parse_health, synthetic.health_with_continuations, 2_000),
    "hccn_tool status continuation lines": (hccn.parse_netdev_status, synthetic.netdev_status_with_continuations,
                                            2_000),
}

REPORT_START = "Collecting environment information...\n"

# One long line of what a backtracking regex used to rescan once per repetition.
LONG_LINES = {
    "'fail' words before any table": (npu_smi_info.parse, lambda n: "dcmi fail " * n, 300),
    "'fail ret' words with no code": (npu_smi_info.parse, lambda n: "error ret is x " * n, 300),
    "link_stat line of spaces": (hccn.parse_link_stat, lambda n: "Tue Aug  1 14:44:40 2022" + " " * n + "LINK", 3_000),
    "tls line of dev_id pieces": (hccn.parse_tls_switch, lambda n: "dev_id:0, tls switch[0](0:disable) " * n, 300),
    "used/total value full of slashes": (npu_smi_info._split_pair, lambda n: "3150/" * n + " 65536 x", 300),
    "collect_env field value of blanks": (collect_env.parse_collect_env,
                                          lambda n: f"{REPORT_START}PyTorch version: 2.5.1{' ' * n}x\n", 3_000),
    "collect_env package line of blanks": (collect_env.parse_collect_env,
                                           lambda n: f"{REPORT_START}[pip3] torch{' ' * n}x\n", 3_000),
    "lspci description of blanks": (dev_listing.parse_lspci, lambda n: f"01:00.0 Processing: Huawei{' ' * n}x", 3_000),
    "lspci class of blanks": (dev_listing.parse_lspci, lambda n: f"01:00.0 Processing{' ' * n}x: Huawei", 3_000),
    "lspci address and blanks": (dev_listing.parse_lspci, lambda n: f"01:00.0{' ' * n}x", 3_000),
}


@pytest.mark.parametrize("case", sorted(GROWING_OUTPUTS))
def test_time_grows_linearly_with_the_lines(case):
    parse, make, size = GROWING_OUTPUTS[case]
    assert growth_ratio(parse, make, size) < MAX_RATIO


@pytest.mark.parametrize("case", sorted(LONG_LINES))
def test_time_grows_linearly_with_a_long_line(case):
    parse, make, size = LONG_LINES[case]
    assert growth_ratio(parse, make, size) < MAX_RATIO


def test_the_grown_outputs_parse_whole():
    info = npu_smi_info.parse(synthetic.npu_smi_info(2_000))
    assert len(info.processes) == 2_000 and len(info.chips) == 16 and not info.truncated
    assert len({p.pid for p in info.processes}) == 2_000
    health = npu_smi_fields.parse_health(synthetic.health_with_continuations(2_000))
    assert health.error_information.count("\n") == 2_000
    _, settings = hccn.parse_netdev_status(synthetic.netdev_status_with_continuations(2_000))
    assert settings["Supported link modes"].count("\n") == 2_001   # the capture's own line, then 2,001 more


def test_a_row_longer_than_any_npu_smi_prints_is_read_as_cut_off():
    text = synthetic.npu_smi_info(10)
    row = next(line for line in text.splitlines() if line.startswith("| 6       0 "))
    long_row = row[:-1] + "x " * 3000 + "|"
    info = npu_smi_info.parse(text.replace(row, long_row, 1))
    assert info.truncated and len(info.chips) == 16
    assert [p.pid for p in info.processes] == [1_000_000 + n for n in range(4)]
