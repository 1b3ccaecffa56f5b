from __future__ import annotations

import functools
from datetime import datetime

import pytest

from doctor.parsers.errors import ParseError
from doctor.parsers.hccn import (
    DeviceIp,
    LinkChange,
    LinkStat,
    PingResult,
    TlsStatus,
    lldp_value,
    milliwatts,
    parse_fec,
    parse_hccn_conf,
    parse_hw_stats,
    parse_ip,
    parse_link_stat,
    parse_link_status,
    parse_lldp,
    parse_net_health,
    parse_netdev_status,
    parse_optical,
    parse_ping,
    parse_route,
    parse_stat,
    parse_tls_switch,
    speed_mbps,
)
from doctor.parsers.text import decode
from tests.support import golden

CATEGORY = "hccn"
sample = functools.partial(golden.sample, CATEGORY)

LINK_DOWN_LAST = "mindcluster-fd-910A-link_stat-i0-after-linkdown"
LINK_BEFORE = "mindcluster-fd-910A-link_stat-i0-before"
LINK_DEVICE_PREFIX = "mindcluster-doc-link_stat-device-prefix"


PARSER_OF_SAMPLE = {
    "arthurchiao-910B1-hccn.conf-elided": parse_hccn_conf,
    "arthurchiao-910B1-hw_stats-i3": parse_hw_stats,
    "arthurchiao-910B1-ip-i3": parse_ip,
    "arthurchiao-910B1-lldp-i3-elided": parse_lldp,
    "arthurchiao-910B1-ping-i3": parse_ping,
    "arthurchiao-910B1-route-i3": parse_route,
    "arthurchiao-910B1-status-i3-annotated": parse_netdev_status,
    "mindcluster-doc-fec-rs": parse_fec,
    "mindcluster-doc-ip-masked": parse_ip,
    "mindcluster-doc-link-up": parse_link_status,
    LINK_DEVICE_PREFIX: parse_link_stat,
    "mindcluster-doc-net_health-fault": parse_net_health,
    "mindcluster-doc-net_health-init": parse_net_health,
    "mindcluster-doc-net_health-success": parse_net_health,
    "mindcluster-doc-optical-elided": parse_optical,
    "mindcluster-doc-stat-elided": parse_stat,
    "mindcluster-doc-tls-grep-switch": parse_tls_switch,
    "mindcluster-fd-910A-fec-i0": parse_fec,
    "mindcluster-fd-910A-ip-i0": parse_ip,
    LINK_DOWN_LAST: parse_link_stat,
    LINK_BEFORE: parse_link_stat,
    "mindcluster-fd-910A-net_health-i0-socket-failed": parse_net_health,
    "mindcluster-fd-910A-optical-i0": parse_optical,
    "mindcluster-fd-910A-stat-i0": parse_stat,
}


def test_every_sample_has_a_parser() -> None:
    assert sorted(PARSER_OF_SAMPLE) == golden.sample_names(CATEGORY)


@pytest.mark.parametrize("name", sorted(PARSER_OF_SAMPLE))
def test_matches_golden(name: str) -> None:
    assert golden.outcome(PARSER_OF_SAMPLE[name], sample(name)) == golden.golden(CATEGORY, name)


# --- one-line statuses -------------------------------------------------------------


@pytest.mark.parametrize(
    "name, status",
    [
        ("mindcluster-doc-net_health-success", "Success"),
        ("mindcluster-doc-net_health-fault", "Fault"),
        ("mindcluster-doc-net_health-init", "Init"),
        ("mindcluster-fd-910A-net_health-i0-socket-failed", "Socket failed"),
    ],
)
def test_net_health_as_printed(name: str, status: str) -> None:
    assert parse_net_health(sample(name)) == status


def test_link_status_and_fec() -> None:
    assert parse_link_status(sample("mindcluster-doc-link-up")) == "UP"
    assert parse_link_status("[devid 2]link status: DOWN\n") == "DOWN"
    assert parse_fec(sample("mindcluster-doc-fec-rs")) == "rs FEC mode"
    assert parse_fec(sample("mindcluster-fd-910A-fec-i0")) == "no FEC mode"


@pytest.mark.parametrize(
    "parser, text",
    [
        (parse_link_status, "net health status: Success\n"),
        (parse_link_status, "link status:\n"),
        (parse_link_status, "link status: UP\nlink status: DOWN\n"),
        (parse_net_health, "link status: UP\n"),
        (parse_net_health, "hccn_tool: command not found\n"),
        (parse_fec, "fec mode\n"),
    ],
)
def test_one_line_statuses_reject(parser, text: str) -> None:
    with pytest.raises(ParseError):
        parser(text)


def test_a_repeated_identical_line_is_fine() -> None:
    assert parse_net_health("net health status: Fault\nnet health status: Fault\n") == "Fault"


# --- ip / hccn.conf ------------------------------------------------------------------


def test_ip() -> None:
    assert parse_ip(sample("arthurchiao-910B1-ip-i3")) == DeviceIp("29.1.112.213", "255.255.0.0")
    assert parse_ip(sample("mindcluster-doc-ip-masked")) == DeviceIp("10.xx.xx.10", "255.255.255.0")
    assert parse_ip("ipaddr:192.168.1.8\n") == DeviceIp("192.168.1.8", None)


@pytest.mark.parametrize("text", ["netmask:255.255.0.0\n", "ipaddr:\nnetmask:255.255.0.0\n", "ip 1.2.3.4"])
def test_ip_rejects(text: str) -> None:
    with pytest.raises(ParseError):
        parse_ip(text)


def test_hccn_conf_groups_by_device_and_skips_the_elision() -> None:
    conf = parse_hccn_conf(sample("arthurchiao-910B1-hccn.conf-elided"))
    assert sorted(conf) == [0, 7]
    assert conf[0] == {
        "address": "29.1.137.205",
        "netmask": "255.255.0.0",
        "netdetect": "29.1.0.1",
        "gateway": "29.1.0.1",
        "send_arp_status": "1",
    }
    assert conf[7]["address"] == "29.1.170.143"


def test_hccn_conf_skips_comments_and_unindexed_keys() -> None:
    text = "# comment\n#address_1=1.1.1.1\nglobal=1\ntls_enable_2=0\naddress_10 = 10.0.0.10\n"
    assert parse_hccn_conf(text) == {2: {"tls_enable": "0"}, 10: {"address": "10.0.0.10"}}


# --- link_stat -----------------------------------------------------------------------


def test_link_stat_newest_record_is_down() -> None:
    stat = parse_link_stat(sample(LINK_DOWN_LAST))
    assert stat.device_id == 0
    assert stat.current_time == datetime(2022, 8, 2, 3, 36, 43)
    assert stat.link_up_count == 2
    assert stat.changes[0] == LinkChange(datetime(2022, 8, 1, 14, 44, 40), "DOWN")
    assert len(stat.changes) == 4
    assert stat.current_state == "DOWN"
    assert stat.down_count == 2


def test_link_stat_same_second_flap_keeps_printed_order() -> None:
    stat = parse_link_stat(sample(LINK_BEFORE))
    assert [change.state for change in stat.changes] == ["UP", "DOWN", "UP"]
    assert stat.changes[0].at == stat.changes[1].at
    assert stat.current_state == "UP"


def test_link_stat_device_prefix_variant() -> None:
    stat = parse_link_stat(sample(LINK_DEVICE_PREFIX))
    assert stat.device_id == 0
    assert stat.current_time == datetime(2023, 6, 7, 10, 8, 28)
    assert stat.current_state == "UP"


def test_link_stat_oldest_first_order_still_finds_the_newest() -> None:
    text = "link change records :\n  Tue Aug  1 14:43:26 2022    LINK UP\n  Tue Aug  1 14:44:40 2022    LINK DOWN\n"
    assert parse_link_stat(text).current_state == "DOWN"


def test_link_stat_without_prefix_and_without_history() -> None:
    text = "current time        : Wed Jun  7 10:08:28 2023\nlink up count       : 0\nlink change records :\n"
    assert parse_link_stat(text) == LinkStat(None, datetime(2023, 6, 7, 10, 8, 28), 0, ())
    assert parse_link_stat(text).current_state is None


@pytest.mark.parametrize(
    "text, reason",
    [
        ("link up count : two\n", "not a count"),
        ("current time : yesterday\n", "not a timestamp"),
        ("current time : Wed Foo  7 10:08:28 2023\n", "not a timestamp"),
        ("current time : Wed Feb 30 10:08:28 2023\n", "impossible timestamp"),
        ("current time : Wed Jun  7 25:08:28 2023\n", "impossible timestamp"),
        ("    Tue Aug  1 14:44:40 2022    LINK SIDEWAYS\n", "unexpected line"),
        ("[devid 0]link up count : 1\n[devid 1]link up count : 1\n", "mixes device prefixes"),
        ("net health status: Success\n", "no link_stat fields"),
        ("Tue Aug  1 14:44:40 2022\n", "unexpected line"),
    ],
)
def test_link_stat_rejects(text: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse_link_stat(text)


def test_link_stat_ignores_an_unknown_label() -> None:
    text = sample(LINK_BEFORE) + "[devid 0]link down count : 1\n"
    assert parse_link_stat(text) == parse_link_stat(sample(LINK_BEFORE))


def test_unknown_keys_beside_known_ones_are_ignored_or_kept() -> None:
    assert parse_net_health("dev_type: npu\nnet health status: Success\n") == "Success"
    assert parse_hw_stats("[devid 3] brand_new_counter: 5\n") == {"brand_new_counter": 5}
    assert parse_optical("optical info:\nbrand new field : 1 W\n") == {"brand new field": "1 W"}


# --- counters, optical ---------------------------------------------------------------


def test_hw_stats_counters() -> None:
    counters = parse_hw_stats(sample("arthurchiao-910B1-hw_stats-i3"))
    assert counters["qp_active"] == 1
    assert counters["ceqe"] == 0
    assert len(counters) == 14


def test_stat_counters_skip_the_elision() -> None:
    counters = parse_stat(sample("mindcluster-doc-stat-elided"))
    assert counters["nic_rx_all_oct_num"] == 482237805
    assert parse_stat(sample("mindcluster-fd-910A-stat-i0")) == {"roce_rx_err_pkt_num": 0, "roce_tx_err_pkt_num": 0}


@pytest.mark.parametrize(
    "parser, text",
    [
        (parse_stat, "roce_rx_err_pkt_num:0\n"),
        (parse_stat, "packet statistics:\nroce_rx_err_pkt_num:lots\n"),
        (parse_stat, "packet statistics:\nno separator here\n"),
        (parse_hw_stats, "[devid 3] pd_alloc: -1\n"),
        (parse_hw_stats, "[devid 3] pd_alloc 1\n"),
        (parse_optical, "present : not present\n"),
        (parse_optical, "optical info:\n: value without key\n"),
    ],
)
def test_counter_and_optical_rejects(parser, text: str) -> None:
    with pytest.raises(ParseError):
        parser(text)


def test_optical_four_lanes() -> None:
    optical = parse_optical(sample("mindcluster-fd-910A-optical-i0"))
    assert optical["vendor name"] == "Hisense"
    assert milliwatts(optical["Rx Power1"]) == pytest.approx(0.0054)
    assert milliwatts(optical["RxPower Low Thres"]) == pytest.approx(0.1445)
    assert milliwatts(optical["Host SNR Lane0"]) is None
    assert optical["Rx Los Flag"] == "0xff"


# --- ping, route, lldp, status, tls ---------------------------------------------------


def test_ping() -> None:
    assert parse_ping(sample("arthurchiao-910B1-ping-i3")) == PingResult(
        "29.1.137.205", 3, 3, 0.0, (1.418, 0.034, 0.04)
    )


def test_ping_with_losses() -> None:
    text = "device 0 PING 10.0.0.2\n3 packets transmitted, 0 received, 100.00% packet loss\n"
    assert parse_ping(text) == PingResult("10.0.0.2", 3, 0, 100.0, ())


@pytest.mark.parametrize("text", ["device 3 PING 29.1.137.205\n", "recv seq=0,time=fast\n3 packets transmitted"])
def test_ping_rejects(text: str) -> None:
    with pytest.raises(ParseError):
        parse_ping(text)


def test_route() -> None:
    routes = parse_route(sample("arthurchiao-910B1-route-i3"))
    assert len(routes) == 5
    assert (routes[0].destination, routes[0].gateway, routes[0].flags, routes[0].iface) == (
        "default", "29.1.0.1", "UG", "eth3")
    assert routes[1].gateway == "*"


@pytest.mark.parametrize(
    "text",
    [
        "Routing table:\n",
        "Destination Gateway Genmask Flags Metric Ref Use Iface\ndefault 1.1.1.1 0.0.0.0 UG 0 0 eth3\n",
        "Destination Gateway Genmask Flags Metric Ref Use Iface\ndefault 1.1.1.1 0.0.0.0 UG x 0 0 eth3\n",
    ],
)
def test_route_rejects(text: str) -> None:
    with pytest.raises(ParseError):
        parse_route(text)


def test_lldp_neighbour_port() -> None:
    tlvs = parse_lldp(sample("arthurchiao-910B1-lldp-i3-elided"))
    assert lldp_value(tlvs, "Port ID TLV", "Ifname") == "400GE1/1/20:2"
    assert "Huarong DX511" in tlvs["System Description TLV"]
    assert tlvs["Maximum Frame Size TLV"] == ("9216",)
    assert lldp_value(tlvs, "Port ID TLV", "Nothing") is None
    assert lldp_value(tlvs, "No Such TLV", "Ifname") is None


def test_lldp_rejects_text_before_the_first_tlv() -> None:
    with pytest.raises(ParseError):
        parse_lldp("        Ifname: x\nPort ID TLV\n")


def test_netdev_status_speed_despite_the_authors_annotation() -> None:
    interface, settings = parse_netdev_status(sample("arthurchiao-910B1-status-i3-annotated"))
    assert interface == "eth3"
    assert speed_mbps(settings) == 200000
    assert settings["Supported link modes"] == "1000baseKX/Full\n100000baseKR4/Full"
    assert settings["Supports auto-negotiation"] == "No"


def test_netdev_status_unknown_speed() -> None:
    _, settings = parse_netdev_status("Netdev status:Settings for eth0:\n\tSpeed: Unknown!\n")
    assert speed_mbps(settings) is None
    assert speed_mbps({}) is None


def test_netdev_status_rejects_other_text() -> None:
    with pytest.raises(ParseError):
        parse_netdev_status("Settings for eth3:\n\tSpeed: 200000Mb/s\n")


def test_tls_switch() -> None:
    assert parse_tls_switch(sample("mindcluster-doc-tls-grep-switch")) == TlsStatus(0, False, True, 60)
    with pytest.raises(ParseError):
        parse_tls_switch("dev_id:0, tls switch[2]\n")


# --- bad input for every parser ----------------------------------------------------------

ALL_PARSERS = sorted(set(PARSER_OF_SAMPLE.values()), key=lambda parser: parser.__name__)


@pytest.mark.parametrize("parser", ALL_PARSERS, ids=lambda parser: parser.__name__)
@pytest.mark.parametrize("text", ["", "  \n\t\n", "\x1b[31m@@@@\x07\n####", "unknown key: value\n"])
def test_nothing_to_read_is_rejected(parser, text: str) -> None:
    with pytest.raises(ParseError):
        parser(text)


@pytest.mark.parametrize("parser", ALL_PARSERS, ids=lambda parser: parser.__name__)
def test_binary_through_decode_is_rejected(parser) -> None:
    golden.assert_rejects_binary(parser, b"\x7fELF\x02\x01\x01\x00", b"\x89PNG\r\n\x1a\n\xff\xd8\xff")


def test_non_utf8_through_decode_is_kept_replaced() -> None:
    assert parse_net_health(decode(b"net health status: Fa\xffult\n")) == "Fa\ufffdult"
    assert parse_ip(decode(b"ipaddr:10.0.0.\xfe\n")).address == "10.0.0.\ufffd"


@pytest.mark.parametrize("cut", [5, 60, 90, 140, 200, 300])
def test_truncated_link_stat_keeps_a_prefix_or_is_rejected(cut: int) -> None:
    golden.assert_prefix_or_rejected(parse_link_stat, sample(LINK_DOWN_LAST), cut, lambda stat: stat.changes)
