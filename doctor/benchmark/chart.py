"""bench.png: output throughput, median TTFT and median TPOT against concurrency, one panel each,
levels spaced evenly (they usually double)."""

from __future__ import annotations

import math

from doctor.benchmark.png import Canvas, text_height, text_width

WIDTH, HEIGHT = 800, 660
LEFT, RIGHT, TOP = 96, 24, 76
PANEL_HEIGHT, PANEL_GAP = 140, 44
INK, GRID, MUTED = (32, 32, 32), (222, 222, 222), (110, 110, 110)
PANELS = (
    ("output throughput, tokens/s", ("output_throughput",), (31, 119, 180)),
    ("median time to first token, ms", ("ttft_ms", "median"), (214, 96, 16)),
    ("median time per output token, ms", ("tpot_ms", "median"), (44, 150, 44)),
)


def sweep_chart(levels: list[dict], model: str) -> bytes:
    canvas = Canvas(WIDTH, HEIGHT)
    canvas.text(LEFT, 16, f"vllm bench serve: {model}"[:60], INK, scale=2)
    xs = _x_positions(len(levels))
    for index, (title, key, color) in enumerate(PANELS):
        top = TOP + index * (PANEL_HEIGHT + PANEL_GAP)
        values = [_figure(level["result"], key) for level in levels]
        _panel(canvas, top, title, xs, values, color)
    bottom = TOP + len(PANELS) * (PANEL_HEIGHT + PANEL_GAP) - PANEL_GAP
    for x, level in zip(xs, levels):
        label = str(level["concurrency"])
        canvas.text(x - text_width(label) // 2, bottom + 8, label, INK)
    label = "concurrency (requests in flight)"
    canvas.text((LEFT + WIDTH - RIGHT - text_width(label)) // 2, bottom + 30, label, MUTED)
    return canvas.to_png()


def _figure(result: dict, key: tuple) -> float | None:
    value = result.get(key[0])
    return value.get(key[1]) if isinstance(value, dict) else value


def _x_positions(count: int) -> list[int]:
    inner = WIDTH - LEFT - RIGHT - 40
    return [LEFT + 20 + (inner * i // (count - 1) if count > 1 else inner // 2) for i in range(count)]


def _panel(canvas: Canvas, top: int, title: str, xs: list[int], values: list, color) -> None:
    canvas.text(LEFT, top - text_height() - 6, title, color)
    present = [v for v in values if v is not None]
    step, ceiling = nice_scale(max(present) if present else 0.0)
    ticks = int(round(ceiling / step))
    for tick in range(ticks + 1):
        y = top + PANEL_HEIGHT - round(PANEL_HEIGHT * tick / ticks)
        canvas.rect(LEFT, y, WIDTH - LEFT - RIGHT, 1, GRID)
        label = tick_label(tick * step)
        canvas.text(LEFT - 8 - text_width(label), y - text_height() // 2, label, MUTED)
    canvas.rect(LEFT, top, 1, PANEL_HEIGHT + 1, INK)
    canvas.rect(LEFT, top + PANEL_HEIGHT, WIDTH - LEFT - RIGHT, 1, INK)
    points = [(x, top + PANEL_HEIGHT - round(PANEL_HEIGHT * v / ceiling)) if v is not None else None
              for x, v in zip(xs, values)]
    for start, end in zip(points, points[1:]):
        if start and end:
            canvas.line(*start, *end, color, thickness=3)
    for point in filter(None, points):
        canvas.rect(point[0] - 4, point[1] - 4, 9, 9, color)


def nice_scale(highest: float, ticks: int = 4) -> tuple[float, float]:
    """(step, top of the axis): a step of 1, 2, 2.5 or 5 times a power of ten, about `ticks` of them."""
    if not highest > 0:
        return 1.0, float(ticks)
    rough = highest / ticks
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= rough)
    return step, step * math.ceil(highest / step - 1e-9)


def tick_label(value: float) -> str:
    if value >= 10000:
        return f"{value / 1000:g}k"
    return f"{round(value, 3):g}"
