"""Figures for the dashboard tile and the public village page."""

from typing import Any

from django import template
from django.core.cache import cache
from django.utils import timezone

from reports import engine
from villageportal import public_cache

register = template.Library()


@register.simple_tag
def village_criteria_tile(village: Any) -> dict[str, int] | None:
    """How many criteria of the set in use the village meets today (cached for ten minutes)."""
    if village is None:
        return None
    today = timezone.localdate()
    key = f"reports:tile:{village.pk}:{today.isoformat()}:{public_cache.version(village.pk)}"
    tile = cache.get(key)
    if tile is None:
        criteria_set = engine.set_for_village(village, today)
        if criteria_set is None or today < village.valid_from:
            return None
        report = engine.evaluate_village(criteria_set=criteria_set, village=village, as_of=today)
        tile = {"passed": report.passed_count, "total": len(report.criteria)}
        cache.set(key, tile, 600)
    return tile
