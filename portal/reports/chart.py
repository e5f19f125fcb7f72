"""A stacked bar chart as plain geometry, for a server-rendered inline SVG (no JavaScript).

The template draws rectangles and text from these numbers; the same figures are in a data
table next to the chart (its text alternative), so colour never carries meaning alone.
Colours are dark enough for 3:1 contrast against white (WCAG 1.4.11) and tell apart for the
common forms of colour blindness (blue, orange, grey).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

PALETTE = ("#1d5fa6", "#b34a00", "#5a5a5a", "#6a3d9a", "#00695c")


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    fill: str


@dataclass(frozen=True)
class Segment:
    series: Series
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Bar:
    label: str
    total: int
    x: float
    width: float
    top: float
    segments: tuple[Segment, ...]

    @property
    def centre(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    top: int
    bottom: float
    right: float
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    series: tuple[Series, ...]


def nice_ceiling(value: int) -> int:
    """The axis maximum: 1, 2 or 5 times a power of ten, at least ``value`` (and at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def stacked_bars(
    labels: Sequence[str],
    series: Sequence[Series],
    values: Mapping[tuple[str, str], int],
    *,
    width: int = 720,
    height: int = 300,
) -> Chart:
    """One bar per label, one stacked segment per series (``values[(label, series.key)]``)."""
    left, top, right_margin, bottom_margin = 48, 24, 8, 40
    plot_width = width - left - right_margin
    plot_height = height - top - bottom_margin
    bottom = top + plot_height
    totals = [sum(values.get((label, s.key), 0) for s in series) for label in labels]
    axis_max = nice_ceiling(max(totals, default=0))
    scale = plot_height / axis_max
    slot = plot_width / max(len(labels), 1)
    bar_width = slot * 0.6
    bars = []
    for index, (label, total) in enumerate(zip(labels, totals, strict=True)):
        x = left + index * slot + (slot - bar_width) / 2
        y: float = bottom
        segments = []
        for s in series:
            value = values.get((label, s.key), 0)
            if value <= 0:
                continue
            h = value * scale
            y -= h
            segments.append(
                Segment(s, value, round(x, 1), round(y, 1), round(bar_width, 1), round(h, 1))
            )
        bars.append(
            Bar(label, total, round(x, 1), round(bar_width, 1), round(y, 1), tuple(segments))
        )
    # Axis maxima are 1, 2 or 5 times a power of ten: steps of a fifth or a quarter of it
    # end exactly at the top.
    step = max(1, axis_max // 5) if axis_max % 5 == 0 else max(1, axis_max // 4)
    ticks = tuple(Tick(v, round(bottom - v * scale, 1)) for v in range(0, axis_max + 1, step))
    return Chart(
        width, height, left, top, bottom, left + plot_width, tuple(bars), ticks, tuple(series)
    )
