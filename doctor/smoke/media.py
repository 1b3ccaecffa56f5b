"""Test media made on the spot: a PNG showing a word, a short WAV. Standard library only."""

from __future__ import annotations

import io
import math
import random
import struct
import wave
import zlib

# A 5x7 block font, one string of five 0/1 columns per row.
GLYPHS = {
    "A": "01110 10001 10001 11111 10001 10001 10001", "B": "11110 10001 10001 11110 10001 10001 11110",
    "C": "01110 10001 10000 10000 10000 10001 01110", "D": "11110 10001 10001 10001 10001 10001 11110",
    "E": "11111 10000 10000 11110 10000 10000 11111", "F": "11111 10000 10000 11110 10000 10000 10000",
    "G": "01110 10001 10000 10111 10001 10001 01111", "H": "10001 10001 10001 11111 10001 10001 10001",
    "I": "01110 00100 00100 00100 00100 00100 01110", "J": "00111 00010 00010 00010 00010 10010 01100",
    "K": "10001 10010 10100 11000 10100 10010 10001", "L": "10000 10000 10000 10000 10000 10000 11111",
    "M": "10001 11011 10101 10101 10001 10001 10001", "N": "10001 11001 10101 10011 10001 10001 10001",
    "O": "01110 10001 10001 10001 10001 10001 01110", "P": "11110 10001 10001 11110 10000 10000 10000",
    "Q": "01110 10001 10001 10001 10101 10010 01101", "R": "11110 10001 10001 11110 10100 10010 10001",
    "S": "01111 10000 10000 01110 00001 00001 11110", "T": "11111 00100 00100 00100 00100 00100 00100",
    "U": "10001 10001 10001 10001 10001 10001 01110", "V": "10001 10001 10001 10001 10001 01010 00100",
    "W": "10001 10001 10001 10101 10101 10101 01010", "X": "10001 10001 01010 00100 01010 10001 10001",
    "Y": "10001 10001 01010 00100 00100 00100 00100", "Z": "11111 00001 00010 00100 01000 10000 11111",
}
# Words a vision model reads reliably: common, short, no look-alike letters.
WORDS = ("APPLE", "RIVER", "TIGER", "HOUSE", "CLOUD", "PIANO", "LEMON", "ROBOT", "MANGO", "CHAIR")


def random_word(rng: random.Random | None = None) -> str:
    return (rng or random.Random()).choice(WORDS)


def word_png(word: str, scale: int = 12, margin: int = 2) -> bytes:
    """Black letters on white, each font pixel `scale` pixels wide."""
    word = word.upper()
    unknown = set(word) - set(GLYPHS)
    if unknown:
        raise ValueError(f"no glyph for {''.join(sorted(unknown))}")
    columns = 6 * len(word) - 1 + 2 * margin
    rows = 7 + 2 * margin
    grid = [[0] * columns for _ in range(rows)]
    for index, letter in enumerate(word):
        for y, row in enumerate(GLYPHS[letter].split()):
            for x, bit in enumerate(row):
                grid[margin + y][margin + 6 * index + x] = bit == "1"
    return _png([[0 if cell else 255 for cell in row for _ in range(scale)] for row in grid for _ in range(scale)])


def _png(rows: list[list[int]]) -> bytes:
    height, width = len(rows), len(rows[0])
    raw = b"".join(b"\x00" + bytes(row) for row in rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)   # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def tone_wav(seconds: float = 1.0, rate: int = 16000, frequencies: tuple[float, ...] = (440.0, 660.0)) -> bytes:
    """A mono 16-bit WAV: one tone after another."""
    frames = bytearray()
    per_tone = int(seconds * rate / len(frequencies))
    for frequency in frequencies:
        for n in range(per_tone):
            frames += struct.pack("<h", int(12000 * math.sin(2 * math.pi * frequency * n / rate)))
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(bytes(frames))
    return out.getvalue()
