"""Charts of a report (bars and lines), laid out once and drawn as inline SVG or on a PDF page.

No plotting library and no external asset: the layout is a list of shapes in chart units
(0..WIDTH, 0..HEIGHT, y downwards), and each backend only draws them. Every coordinate is
rounded to 0.1 and printed the same way, so the same figures always give the same bytes (the
bulletins are reproduced byte for byte).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from fpdf import FPDF

WIDTH, HEIGHT = 480.0, 220.0
_LEFT, _RIGHT, _TOP, _BOTTOM = 44.0, 12.0, 30.0, 34.0
_TICKS = 4
_INK, _GRID, _LINE = "#333333", "#cccccc", "#aa0000"
_BAR = "#c0504d"


@dataclass(frozen=True)
class Chart:
    """One chart: a value (or None: nothing to show) per label."""

    title_zh: str
    title_en: str
    kind: Literal["bar", "line"]
    labels: tuple[str, ...]
    values: tuple[float | None, ...]
    unit: str = ""  # "%" for rates
    maximum: float | None = None  # fixed top of the scale (100 for rates)
    colors: tuple[str, ...] = ()  # per bar; default one colour


@dataclass(frozen=True)
class Shape:
    """A line, rectangle, polyline or text in chart units."""

    kind: Literal["line", "rect", "poly", "text", "dot"]
    points: tuple[float, ...]
    color: str = _INK
    text: str = ""
    anchor: Literal["start", "middle", "end"] = "middle"
    size: float = 10.0


def _r(value: float) -> float:
    return round(value, 1)


def _number(value: float, unit: str) -> str:
    text = f"{value:.1f}" if unit == "%" else f"{value:g}"
    return f"{text}{unit}"


def _scale_top(chart: Chart) -> float:
    if chart.maximum is not None:
        return chart.maximum
    biggest = max((v for v in chart.values if v is not None), default=0.0)
    magnitude = 1.0
    while True:  # a tick step of 1, 2 or 5 times a power of ten: ticks on round numbers
        for step in (1.0, 2.0, 5.0):
            if step * magnitude * _TICKS >= biggest:
                return step * magnitude * _TICKS
        magnitude *= 10


def layout(chart: Chart) -> list[Shape]:
    """The chart's shapes: title, grid with tick labels, bars or a line, value and x labels."""
    shapes = [Shape("text", (WIDTH / 2, 14.0), text=f"{chart.title_zh} / {chart.title_en}")]
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    base = _TOP + plot_h
    top = _scale_top(chart)
    for tick in range(_TICKS + 1):
        y = _r(base - plot_h * tick / _TICKS)
        shapes.append(Shape("line", (_LEFT, y, WIDTH - _RIGHT, y), _GRID))
        label = _number(top * tick / _TICKS, chart.unit)
        shapes.append(Shape("text", (_LEFT - 4, _r(y + 3)), text=label, anchor="end", size=8))
    count = max(len(chart.labels), 1)
    step = plot_w / count
    points: list[float] = []
    for index, (label, value) in enumerate(zip(chart.labels, chart.values, strict=True)):
        middle = _r(_LEFT + step * (index + 0.5))
        shapes.append(Shape("text", (middle, _r(base + 14)), text=label, size=8))
        if value is None:
            continue
        y = _r(base - plot_h * min(value, top) / top)
        if chart.kind == "bar":
            color = chart.colors[index % len(chart.colors)] if chart.colors else _BAR
            width = _r(step * 0.6)
            shapes.append(Shape("rect", (_r(middle - width / 2), y, width, _r(base - y)), color))
        else:
            points.extend((middle, y))
            shapes.append(Shape("dot", (middle, y), _LINE))
        shapes.append(Shape("text", (middle, _r(y - 4)), text=_number(value, chart.unit), size=8))
    if len(points) >= 4:
        shapes.insert(len(shapes) - len(points), Shape("poly", tuple(points), _LINE))
    shapes.append(Shape("line", (_LEFT, base, WIDTH - _RIGHT, base), _INK))
    return shapes


def svg(chart: Chart) -> str:
    """The chart as an inline <svg> element (presentation attributes only, no style)."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:g} {HEIGHT:g}" '
        f'width="{WIDTH:g}" height="{HEIGHT:g}" role="img" '
        f'aria-label="{html.escape(chart.title_zh)} / {html.escape(chart.title_en)}">'
    ]
    parts.extend(_svg_shape(shape) for shape in layout(chart))
    parts.append("</svg>")
    return "\n".join(parts)


def _svg_shape(shape: Shape) -> str:
    p = shape.points
    if shape.kind == "line":
        return (
            f'<line x1="{p[0]}" y1="{p[1]}" x2="{p[2]}" y2="{p[3]}" '
            f'stroke="{shape.color}" stroke-width="1"/>'
        )
    if shape.kind == "rect":
        return f'<rect x="{p[0]}" y="{p[1]}" width="{p[2]}" height="{p[3]}" fill="{shape.color}"/>'
    if shape.kind == "poly":
        pairs = " ".join(f"{p[i]},{p[i + 1]}" for i in range(0, len(p), 2))
        return f'<polyline points="{pairs}" fill="none" stroke="{shape.color}" stroke-width="2"/>'
    if shape.kind == "dot":
        return f'<circle cx="{p[0]}" cy="{p[1]}" r="3" fill="{shape.color}"/>'
    return (
        f'<text x="{p[0]}" y="{p[1]}" font-size="{shape.size:g}" text-anchor="{shape.anchor}" '
        f'fill="{shape.color}">{html.escape(shape.text)}</text>'
    )


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def draw(pdf: FPDF, chart: Chart, x: float, y: float, width: float, font: str) -> float:
    """Draw the chart at (x, y) mm, `width` mm wide, with fpdf2's primitives; its height."""
    k = width / WIDTH
    for shape in layout(chart):
        _draw_shape(pdf, shape, x, y, k, font)
    return HEIGHT * k


def _draw_shape(pdf: FPDF, shape: Shape, x: float, y: float, k: float, font: str) -> None:
    p = [v * k for v in shape.points]
    pdf.set_draw_color(*_rgb(shape.color))
    pdf.set_fill_color(*_rgb(shape.color))
    if shape.kind == "line":
        pdf.set_line_width(0.2)
        pdf.line(x + p[0], y + p[1], x + p[2], y + p[3])
    elif shape.kind == "rect":
        pdf.rect(x + p[0], y + p[1], p[2], p[3], style="F")
    elif shape.kind == "poly":
        pdf.set_line_width(0.5)
        pairs = [(x + p[i], y + p[i + 1]) for i in range(0, len(p), 2)]
        pdf.polyline(pairs)
    elif shape.kind == "dot":
        pdf.circle(x + p[0], y + p[1], 3 * k, style="F")
    else:
        _draw_text(pdf, shape, x + p[0], y + p[1], k, font)


def _draw_text(pdf: FPDF, shape: Shape, x: float, y: float, k: float, font: str) -> None:
    points = shape.size * k * 72 / 25.4  # the SVG's font size, in chart units, as points
    pdf.set_font(font, size=points)
    pdf.set_text_color(*_rgb(shape.color))
    width = pdf.get_string_width(shape.text)
    left = {"start": x, "middle": x - width / 2, "end": x - width}[shape.anchor]
    pdf.text(left, y, shape.text)
    pdf.set_text_color(0, 0, 0)


def bar_colors(levels: Sequence[str], palette: dict[str, str]) -> tuple[str, ...]:
    """One colour per level, the default bar colour for a level without one."""
    return tuple(palette.get(level, _BAR) for level in levels)
