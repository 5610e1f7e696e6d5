"""Server-side charts: the geometry of inline SVG bars, lines and sparklines (no JavaScript).

The pages draw the SVG from what these return, so a chart needs no script and no inline style
(the Content-Security-Policy allows neither). The data comes in already aggregated: one query
per chart, made by the app that owns the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: date
    count: int


def bar_chart(series: Sequence[tuple[date, int]], width: int = 600, height: int = 160) -> dict:
    """One bar per day, scaled to the largest; 20 px at the bottom for the day labels."""
    top = max((n for _d, n in series), default=0) or 1
    gap = 2.0
    bar_w = (width - gap * (len(series) + 1)) / max(len(series), 1)
    plot_h = height - 20
    bars = []
    for i, (day, n) in enumerate(series):
        h = plot_h * n / top
        bars.append(
            Bar(
                round(gap + i * (bar_w + gap), 1),
                round(plot_h - h, 1),
                round(bar_w, 1),
                round(h, 1),
                day,
                n,
            )
        )
    return {
        "bars": bars,
        "width": width,
        "height": height,
        "max": top if any(n for _d, n in series) else 0,
        "total": sum(n for _d, n in series),
        "axis_y": plot_h,
    }


def percent_line_chart(
    points: Sequence[tuple[date, float | None]], width: int = 600, height: int = 200
) -> dict[str, Any]:
    """A line of percentages (0-100) over dates, with a grid every 25 %; None leaves a gap."""
    left, top = 40, 10
    inner_w, inner_h = width - left - 10, height - top - 30
    coords = []
    for i, (day, pct) in enumerate(points):
        if pct is None:
            continue
        x = left + inner_w * i / max(len(points) - 1, 1)
        y = top + inner_h * (1 - pct / 100)
        coords.append({"x": round(x, 1), "y": round(y, 1), "pct": round(pct, 1), "day": day})
    return {
        "coords": coords,
        "polyline": " ".join(f"{c['x']},{c['y']}" for c in coords),
        "width": width,
        "height": height,
        "left": left,
        "top": top,
        "bottom": top + inner_h,
        "right": left + inner_w,
        "grid": [
            {"y": round(top + inner_h * (1 - p / 100), 1), "label": p} for p in (0, 25, 50, 75, 100)
        ],
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
