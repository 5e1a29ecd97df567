"""Inline SVG charts, no JavaScript (pure).

Each chart is an ``<svg role="img">`` whose ``<title>`` says what it shows;
the page puts a table with the same figures beside it, so nothing is only
in the picture. Colours come from the theme's CSS (classes), so dark mode
applies.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str


def column_chart(chart_id: str, title: str, bars: list[Bar]) -> Markup:
    """Vertical bars with the label below and the value above each."""
    width, height, top, bottom = 640, 200, 20, 28
    slot = width / max(len(bars), 1)
    peak = max((b.value for b in bars), default=0) or 1
    parts = [Markup('<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}"><title id="{}">{}</title>').format(
        width, height, chart_id, chart_id, title)]
    parts.append(Markup('<line class="axis" x1="0" y1="{0}" x2="{1}" y2="{0}"/>').format(height - bottom, width))
    for index, bar in enumerate(bars):
        bar_height = (height - top - bottom) * bar.value / peak
        x = index * slot + slot * 0.15
        y = height - bottom - bar_height
        parts.append(Markup('<rect class="bar" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}"/>').format(x, y, slot * 0.7, bar_height))
        centre = index * slot + slot / 2
        parts.append(Markup('<text class="value" x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>').format(centre, y - 4, bar.text))
        parts.append(Markup('<text class="label" x="{:.1f}" y="{}" text-anchor="middle">{}</text>').format(centre, height - 10, bar.label))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def row_chart(chart_id: str, title: str, bars: list[Bar], floor: float, ceiling: float) -> Markup:
    """Horizontal bars from ``floor`` to ``ceiling`` (the axis range is in the title)."""
    label_width, width, row = 170, 640, 26
    height = row * len(bars) + 10
    span = (ceiling - floor) or 1
    parts = [Markup('<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}"><title id="{}">{}</title>').format(
        width, height, chart_id, chart_id, title)]
    for index, bar in enumerate(bars):
        y = index * row + 5
        length = max(0.0, min(1.0, (bar.value - floor) / span)) * (width - label_width - 70)
        parts.append(Markup('<text class="label" x="{}" y="{}" text-anchor="end">{}</text>').format(label_width - 8, y + 15, bar.label))
        parts.append(Markup('<rect class="bar" x="{}" y="{}" width="{:.1f}" height="{}"/>').format(label_width, y + 3, length, row - 8))
        parts.append(Markup('<text class="value" x="{:.1f}" y="{}">{}</text>').format(label_width + length + 6, y + 15, bar.text))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
