"""The life map's picture: every text in it reads at least 4.5:1 against what is behind it
(WCAG 1.4.3), measured with WCAG's relative luminance on the colours the SVG itself uses."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from portal.cases.chart import CX, CY, HEIGHT, RADIUS, SCALE, WIDTH, Slice, life_map_svg

SVG = "{http://www.w3.org/2000/svg}"


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a ``#rrggbb`` colour."""
    assert colour.startswith("#") and len(colour) == 7, colour
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_formula():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54


def attr(element: ET.Element | None, name: str) -> str:
    assert element is not None
    value = element.get(name)
    assert value is not None, name
    return value


def chart() -> ET.Element:
    """A wheel with every status and a domain not assessed, labels in three scripts."""
    slices = [Slice(f"Domein {status}", status, status) for status in SCALE]
    slices += [Slice("Niet beoordeeld", None, "—"), Slice("الصحة", "good", "goed")]
    svg = life_map_svg(slices, title="Levenskaart", description="Beschrijving", chart_id="c")
    return ET.fromstring(str(svg))  # noqa: S314 - the portal's own markup, not a stranger's


def test_every_text_reads_at_least_4_5_to_1_on_its_background():
    root = chart()
    # The picture paints its own background over the whole canvas, first of all shapes.
    background = next(e for e in root if e.tag in (f"{SVG}rect", f"{SVG}path", f"{SVG}circle"))
    assert background.tag == f"{SVG}rect"
    assert (float(attr(background, "width")), float(attr(background, "height"))) == (WIDTH, HEIGHT)
    page = attr(background, "fill")
    texts = root.findall(f"{SVG}text")
    assert len(texts) == 6
    for text in texts:
        # Outside the wheel: a label sits on the background, never on a coloured slice.
        x, y = float(attr(text, "x")), float(attr(text, "y"))
        assert math.hypot(x - CX, y - CY) > RADIUS, text.text
        assert contrast(attr(text, "fill"), page) >= 4.5, (text.text, text.get("fill"), page)


def test_the_slices_stand_out_from_the_background():
    """Not text, but what the colours carry must be seen too: 3:1 (WCAG 1.4.11)."""
    root = chart()
    page = attr(root.find(f"{SVG}rect"), "fill")
    fills = {attr(p, "fill") for p in root.iter(f"{SVG}path")} - {"none"}
    assert fills == {colour for _reach, colour in SCALE.values()}
    for fill in fills:
        assert contrast(fill, page) >= 3, fill
