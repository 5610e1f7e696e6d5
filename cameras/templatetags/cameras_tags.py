from typing import Any

from django import template

from cameras import selectors
from cameras.models import Camera

register = template.Library()


@register.simple_tag
def camera_figures(village: Any) -> dict[str, Any]:
    """The dashboard tiles: cameras working now, 30-day uptime, lanes without coverage."""
    if village is None:
        return {"total": 0}
    enabled = Camera.objects.filter(village=village, enabled=True)
    return {
        "total": enabled.count(),
        "working": enabled.working().count(),
        "uptime": selectors.uptime(enabled.public()),
        "uncovered": selectors.uncovered_lanes(village),
    }


@register.simple_tag
def public_camera_figures(village: Any) -> dict[str, int]:
    if village is None:
        return {"total": 0, "working": 0}
    return selectors.public_figures(village)
