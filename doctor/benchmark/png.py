"""A small RGB canvas and its PNG encoding (zlib + struct; the format: RFC 2083 / the W3C PNG
specification), so the chart needs no plotting library."""

from __future__ import annotations

import struct
import zlib

from doctor.benchmark.font import GLYPH_HEIGHT, GLYPH_WIDTH, glyph

Color = tuple[int, int, int]
SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Canvas:
    def __init__(self, width: int, height: int, background: Color = (255, 255, 255)):
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(background) * (width * height))

    def dot(self, x: int, y: int, color: Color) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            at = (y * self.width + x) * 3
            self.pixels[at:at + 3] = bytes(color)

    def rect(self, x: int, y: int, width: int, height: int, color: Color) -> None:
        for row in range(max(0, y), min(self.height, y + height)):
            left, right = max(0, x), min(self.width, x + width)
            if left < right:
                at = (row * self.width + left) * 3
                self.pixels[at:at + 3 * (right - left)] = bytes(color) * (right - left)

    def line(self, x0: int, y0: int, x1: int, y1: int, color: Color, thickness: int = 1) -> None:
        """Bresenham's line, each point drawn as a square `thickness` wide."""
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        error, half = dx + dy, thickness // 2
        while True:
            self.rect(x0 - half, y0 - half, thickness, thickness, color)
            if x0 == x1 and y0 == y1:
                return
            twice = 2 * error
            if twice >= dy:
                error, x0 = error + dy, x0 + sx
            if twice <= dx:
                error, y0 = error + dx, y0 + sy

    def text(self, x: int, y: int, text: str, color: Color, scale: int = 2) -> None:
        for index, char in enumerate(text):
            left = x + index * (GLYPH_WIDTH + 1) * scale
            for row, bits in enumerate(glyph(char)):
                for column in range(GLYPH_WIDTH):
                    if bits[column] == "#":
                        self.rect(left + column * scale, y + row * scale, scale, scale, color)

    def to_png(self) -> bytes:
        stride = self.width * 3
        rows = b"".join(b"\x00" + bytes(self.pixels[y * stride:(y + 1) * stride]) for y in range(self.height))
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)   # 8-bit RGB, no interlace
        return SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows, 9)) + _chunk(b"IEND", b"")


def text_width(text: str, scale: int = 2) -> int:
    return len(text) * (GLYPH_WIDTH + 1) * scale - scale if text else 0


def text_height(scale: int = 2) -> int:
    return GLYPH_HEIGHT * scale


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
