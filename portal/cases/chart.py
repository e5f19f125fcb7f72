"""The life map (levenskaart) as a picture: a server-rendered SVG wheel, no script.

Each life domain is a slice of the wheel; the further a slice reaches, the better that
domain goes (good reaches the rim, acute stays near the centre), and its colour says the
same. A domain not assessed is an empty, dashed slice. The picture has a title and a
description for screen readers, and the page shows the same facts as a table: the colour is
never the only carrier of the meaning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

#: Status code -> (reach 1..4, fill colour). Colours pass 3:1 against white (WCAG 1.4.11).
SCALE = {
    "good": (4, "#1e7b34"),
    "attention": (3, "#8a6d00"),
    "worried": (2, "#c05600"),
    "acute": (1, "#b3261e"),
}
#: The chart paints its own background, so its labels keep their contrast on whatever the
#: page puts behind the picture; the labels sit outside the wheel, on this background only.
BACKGROUND = "#ffffff"
#: The labels' colour: 17.4:1 on the background (WCAG 1.4.3 asks at least 4.5:1; the test
#: tests/cases/test_chart_contrast.py checks every text of the picture).
TEXT = "#1a1a1a"
WIDTH, HEIGHT = 560, 360
CX, CY, RADIUS = WIDTH / 2, 180, 120


@dataclass(frozen=True)
class Slice:
    label: str
    status: str | None
    status_label: str


def _point(angle: float, radius: float) -> tuple[float, float]:
    return CX + radius * math.cos(angle), CY + radius * math.sin(angle)


def _sector(start: float, end: float, radius: float) -> str:
    x1, y1 = _point(start, radius)
    x2, y2 = _point(end, radius)
    large = 1 if end - start > math.pi else 0
    return (
        f"M{CX:.1f},{CY:.1f} L{x1:.1f},{y1:.1f} "
        f"A{radius:.1f},{radius:.1f} 0 {large} 1 {x2:.1f},{y2:.1f} Z"
    )


def life_map_svg(slices: list[Slice], *, title: str, description: str, chart_id: str) -> Markup:
    """The wheel as inline SVG markup (every text escaped)."""
    n = len(slices)
    step = 2 * math.pi / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="kp-lifemap__chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" direction="ltr" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="{BACKGROUND}"/>',
    ]
    for level in range(1, 5):
        parts.append(
            f'<circle cx="{CX:.1f}" cy="{CY:.1f}" r="{RADIUS * level / 4:.1f}" '
            'fill="none" stroke="#767676" stroke-width="1"/>'
        )
    for index, item in enumerate(slices):
        start = -math.pi / 2 + index * step
        end = start + step
        reach, colour = SCALE.get(item.status or "", (0, ""))
        label = f"{item.label}: {item.status_label}"
        if reach:
            parts.append(
                f'<path d="{_sector(start, end, RADIUS * reach / 4)}" fill="{colour}" '
                f'stroke="#ffffff" stroke-width="2"><title>{escape(label)}</title></path>'
            )
        else:
            parts.append(
                f'<path d="{_sector(start, end, RADIUS)}" fill="none" stroke="#767676" '
                f'stroke-width="1" stroke-dasharray="4 4"><title>{escape(label)}</title></path>'
            )
        x1, y1 = _point(start, RADIUS)
        parts.append(
            f'<line x1="{CX:.1f}" y1="{CY:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" '
            'stroke="#767676" stroke-width="1"/>'
        )
        middle = (start + end) / 2
        lx, ly = _point(middle, RADIUS + 16)
        cos = math.cos(middle)
        anchor = "middle" if abs(cos) < 0.2 else ("start" if cos > 0 else "end")
        baseline = ly + (12 if math.sin(middle) > 0.5 else 4)
        parts.append(
            f'<text x="{lx:.1f}" y="{baseline:.1f}" text-anchor="{anchor}" font-size="14" '
            f'fill="{TEXT}">{escape(item.label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it is escaped above
