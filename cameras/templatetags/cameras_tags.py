from typing import Any

from django import template
from django.core.cache import cache
from django.db.models import Count, Q

from cameras import selectors
from cameras.models import WORKING, Camera
from villageportal import public_cache

register = template.Library()

# The figures change at most once per probe run; the village's public-cache version is bumped
# whenever a camera is added, edited, removed or starts or stops working.
TILE_SECONDS = 60


@register.simple_tag
def camera_figures(village: Any) -> dict[str, Any]:
    """The dashboard tiles: cameras working now, 30-day uptime, lanes without coverage."""
    if village is None:
        return {"total": 0}
    key = f"cameras:tiles:{village.pk}:{public_cache.version(village.pk)}"
    figures = cache.get(key)
    if figures is None:
        figures = Camera.objects.filter(village=village, enabled=True).aggregate(
            total=Count("pk"), working=Count("pk", filter=Q(state__status__in=WORKING))
        )
        if figures["total"]:
            public = Camera.objects.filter(village=village, enabled=True).public()
            figures["uptime"] = selectors.uptime(public)
            figures["uncovered"] = selectors.uncovered_lanes(village)
        cache.set(key, figures, TILE_SECONDS)
    return figures


@register.simple_tag
def public_camera_figures(village: Any) -> dict[str, int]:
    if village is None:
        return {"total": 0, "working": 0}
    return selectors.public_figures(village)
