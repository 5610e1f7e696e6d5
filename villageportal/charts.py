"""Server-side charts: the geometry of inline SVG bars, lines and sparklines (no JavaScript).

The pages draw the SVG from what these return, so a chart needs no script and no inline style
(the Content-Security-Policy allows neither). The data comes in already aggregated: one query
per chart, made by the app that owns the figures.

Every coordinate is returned as text with a decimal point: a template that printed a float
would localise it ("170,0" in Vietnamese), which SVG reads as no value at all and draws the
label at the top edge. The axis labels are placed here too, with room left for them inside
the drawing (``templates/charts/_labels.html`` writes them), so no chart cuts its labels off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from math import ceil
from typing import Any

# Label size in drawing units. The default widths are chosen so that, scaled to a 360-px
# phone, a label is still about 10 px high (and the page caps a chart's width on a laptop).
FONT = 13
# An estimate of a digit's advance in a system sans-serif, as a share of the font size.
CHAR_WIDTH = 0.62


def n(value: float) -> str:
    """A coordinate for an SVG attribute: a decimal point whatever the language, no '.0'."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class Label:
    x: str
    y: str
    text: str
    anchor: str  # SVG text-anchor: "start", "middle" or "end"
    baseline: str = "auto"  # SVG dominant-baseline: "middle" centres it on y


def _text_width(text: str, font: float) -> float:
    return len(text) * font * CHAR_WIDTH


def _axis_labels(
    ticks: Sequence[tuple[float, str]], *, y: float, left: float, right: float, font: float
) -> list[Label]:
    """Labels under an axis from left to right, never outside [left, right], never overlapping.

    The first label starts at its tick and the last ends at its tick, so both stay inside
    the drawing; a label in between is left out when it would touch its neighbours.
    """
    if not ticks:
        return []
    gap = font / 2
    placed: list[tuple[float, float, Label]] = []  # (from, to, label)
    last_x, last_text = ticks[-1]
    last_to = min(last_x, right)
    last_from = last_to - _text_width(last_text, font)
    for i, (x, text) in enumerate(ticks):
        width = _text_width(text, font)
        if i == 0:
            start = max(x, left)
            span, anchor, at = (start, start + width), "start", start
        elif i == len(ticks) - 1:
            span, anchor, at = (last_from, last_to), "end", last_to
        else:
            span, anchor, at = (x - width / 2, x + width / 2), "middle", x
            if span[1] + gap > last_from:
                continue
        if placed and span[0] < placed[-1][1] + gap:
            if i != len(ticks) - 1:
                continue
            if len(placed) > 1:
                placed.pop()  # the last label wins over the one just before it
            else:
                continue
        placed.append((span[0], span[1], Label(n(at), n(y), text, anchor)))
    return [label for _from, _to, label in placed]


@dataclass(frozen=True)
class Bar:
    x: str
    y: str
    width: str
    height: str
    day: date
    count: int


def bar_chart(
    series: Sequence[tuple[date, int]], width: int = 400, height: int = 160, font: int = FONT
) -> dict:
    """One bar per day, scaled to the largest, with room above for the maximum and below
    for the day labels (one a week, the first and the last)."""
    top = max((c for _d, c in series), default=0) or 1
    gap = 2.0
    bar_w = (width - gap * (len(series) + 1)) / max(len(series), 1)
    plot_top = font + 6
    axis_y = height - font - 8
    plot_h = axis_y - plot_top
    bars = []
    ticks = []
    for i, (day, count) in enumerate(series):
        h = plot_h * count / top
        x = gap + i * (bar_w + gap)
        bars.append(Bar(n(x), n(axis_y - h), n(bar_w), n(h), day, count))
        if i == 0 or i == len(series) - 1 or (i + 1) % 7 == 0:
            ticks.append(
                (
                    x if i == 0 else x + bar_w if i == len(series) - 1 else x + bar_w / 2,
                    day.strftime("%d/%m"),
                )
            )
    return {
        "bars": bars,
        "width": width,
        "height": height,
        "font": font,
        "max": top if any(c for _d, c in series) else 0,
        "max_y": n(font),
        "total": sum(c for _d, c in series),
        "axis_y": n(axis_y),
        "labels": _axis_labels(ticks, y=height - 4, left=0, right=width, font=font),
    }


def percent_line_chart(
    points: Sequence[tuple[date, float | None]],
    width: int = 400,
    height: int = 200,
    font: int = FONT,
) -> dict[str, Any]:
    """A line of percentages (0-100) over dates, with a grid every 25 %; None leaves a gap."""
    left = ceil(_text_width("100%", font)) + 8
    top = ceil(font / 2) + 2
    right = width - 6
    bottom = height - font - 10
    inner_w, inner_h = right - left, bottom - top
    coords = []
    for i, (day, pct) in enumerate(points):
        if pct is None:
            continue
        x = left + inner_w * i / max(len(points) - 1, 1)
        y = top + inner_h * (1 - pct / 100)
        coords.append({"x": n(x), "y": n(y), "pct": round(pct, 1), "day": day})
    grid = [(top + inner_h * (1 - p / 100), p) for p in (0, 25, 50, 75, 100)]
    ticks = [
        (left + inner_w * i / max(len(points) - 1, 1), day.strftime("%m/%Y"))
        for i, (day, _pct) in enumerate(points)
        if i in (0, len(points) - 1) or i % 3 == 0
    ]
    labels = [Label(n(left - 4), n(y), f"{p}%", "end", "middle") for y, p in grid]
    labels += _axis_labels(ticks, y=height - 4, left=0, right=width, font=font)
    return {
        "coords": coords,
        "polyline": " ".join(f"{c['x']},{c['y']}" for c in coords),
        "width": width,
        "height": height,
        "font": font,
        "left": n(left),
        "right": n(right),
        "grid": [{"y": n(y), "label": p} for y, p in grid],
        "labels": labels,
        "first": points[0][0] if points else None,
        "last": points[-1][0] if points else None,
    }


def sparkline(points: Sequence[float | None], width: int = 120, height: int = 24) -> str:
    """An SVG polyline's points for a series scaled between its low and high; '' under two."""
    values = [p for p in points if p is not None]
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1
    step = width / (len(points) - 1)
    coords = [
        f"{i * step:.1f},{height - (p - low) / span * height:.1f}"
        for i, p in enumerate(points)
        if p is not None
    ]
    return " ".join(coords)
