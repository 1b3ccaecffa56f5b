"""The PNG writer, read back by an independent decoder written here from the format's definition,
and the chart's scale."""

import struct
import zlib

import pytest

from doctor.benchmark.chart import HEIGHT, WIDTH, nice_scale, sweep_chart, tick_label
from doctor.benchmark.png import Canvas
from doctor.benchmark.results import parse_result
from tests.benchmark.test_results import fixture


def decode(png: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB bytes); asserts every chunk's CRC and filter type 0."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    at, chunks = 8, {}
    while at < len(png):
        length, kind = struct.unpack(">I4s", png[at:at + 8])
        data = png[at + 8:at + 8 + length]
        (crc,) = struct.unpack(">I", png[at + 8 + length:at + 12 + length])
        assert crc == zlib.crc32(kind + data)
        chunks[kind] = data
        at += 12 + length
    width, height, depth, color, _, _, _ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, color) == (8, 2) and b"IEND" in chunks
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = width * 3 + 1
    assert len(raw) == stride * height and all(raw[y * stride] == 0 for y in range(height))
    return width, height, [raw[y * stride + 1:(y + 1) * stride] for y in range(height)]


def test_pixels_drawn_are_the_pixels_read_back():
    canvas = Canvas(7, 5)
    canvas.dot(2, 1, (255, 0, 0))
    canvas.rect(4, 3, 10, 10, (0, 0, 255))       # clipped at the edges
    width, height, rows = decode(canvas.to_png())
    assert (width, height) == (7, 5)
    assert rows[1][6:9] == b"\xff\x00\x00" and rows[0][6:9] == b"\xff\xff\xff"
    assert rows[4][12:15] == b"\x00\x00\xff" and rows[2][12:15] == b"\xff\xff\xff"


def test_a_line_reaches_both_ends():
    canvas = Canvas(20, 20)
    canvas.line(1, 2, 17, 15, (0, 0, 0))
    _, _, rows = decode(canvas.to_png())
    assert rows[2][3:6] == b"\x00\x00\x00" and rows[15][51:54] == b"\x00\x00\x00"


def test_text_puts_ink_where_the_glyph_has_it():
    canvas = Canvas(12, 7)
    canvas.text(0, 0, "1", (0, 0, 0), scale=1)    # row 0 of "1" is ..#..
    _, _, rows = decode(canvas.to_png())
    assert [rows[0][x * 3] for x in range(5)] == [255, 255, 0, 255, 255]


def test_the_chart_is_a_png_of_its_size_with_each_level_drawn():
    levels = [{"concurrency": 1, "result": parse_result(fixture("sweep-c1.json"))},
              {"concurrency": 4, "result": parse_result(fixture("run-c4.json"))}]
    width, height, rows = decode(sweep_chart(levels, "tiny"))
    assert (width, height) == (WIDTH, HEIGHT)
    blue = bytes((31, 119, 180))
    assert sum(row.count(blue) for row in rows) > 100      # the throughput line and its points


@pytest.mark.parametrize("highest, step, top", [(280.7, 100, 300), (44.6, 20, 60), (11.6, 5, 15),
                                                (0.3, 0.1, 0.3), (0, 1, 4), (1000, 250, 1000)])
def test_the_scale_is_round_numbers_above_the_highest_value(highest, step, top):
    assert nice_scale(highest) == (pytest.approx(step), pytest.approx(top))


def test_tick_labels_stay_short():
    assert [tick_label(v) for v in (0, 2.5, 300, 20000)] == ["0", "2.5", "300", "20k"]
