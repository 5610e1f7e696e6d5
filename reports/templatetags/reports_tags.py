"""Figures for the dashboard tile and the public village page."""

from typing import Any

from django import template
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext

from reports import engine, numbers
from reports.commune import PERCENT, YES
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


@register.filter
def commune_value(value: Any, kind: str) -> str:
    """A figure of the commune table: ``93,3%``, ``1.204`` or yes/no."""
    if value is None:
        return "—"
    if kind == YES:
        return gettext("Yes") if value else gettext("No")
    if kind == PERCENT:
        return numbers.percent(value)
    return numbers.figure(value)


@register.filter
def commune_delta(value: Any, kind: str) -> str:
    """A change since the last period: ``+3,2 điểm %`` or ``-2``."""
    if value is None:
        return ""
    if kind == PERCENT:
        return gettext("%(change)s pts") % {"change": numbers.signed(value)}
    return numbers.signed(value, 0 if float(value).is_integer() else 1)


@register.filter
def commune_target(value: Any, kind: str) -> str:
    """A threshold as written in the criteria: ``80%`` or ``3``."""
    if value is None:
        return ""
    return numbers.figure(value) + ("%" if kind == PERCENT else "")
