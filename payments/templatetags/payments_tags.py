"""Figures for the dashboard tiles and the public village page."""

from typing import Any

from django import template
from django.core.cache import cache
from django.utils import timezone

from payments.access import RECORDER_ROLES
from payments.figures import SPEC_BY_CODE, SPECS
from villageportal import public_cache

register = template.Library()

TILES = ("vneid_level2_14plus", "epayment_working_age", "cashless_business")


@register.inclusion_tag("payments/_tiles.html")
def adoption_tiles(village: Any) -> dict[str, Any]:
    day = timezone.localdate()
    tiles = []
    for code in TILES:
        spec = SPEC_BY_CODE[code]
        yes, total = spec.counts(day, villages=[village.pk]).get(village.pk, (0, 0))
        tiles.append(
            {
                "spec": spec,
                "yes": yes,
                "total": total,
                "pct": round(100 * yes / total) if total else None,
            }
        )
    return {"tiles": tiles}


# A figure over fewer people or households than this is not shown publicly: with a handful,
# a percentage would tell who has what.
PUBLIC_MIN_DENOMINATOR = 5
PUBLIC_CACHE_SECONDS = 24 * 3600


def public_figures(village: Any) -> list[dict[str, Any]]:
    """The village's adoption figures for its public page: aggregates only, small ones left out.

    Cached per village, public-cache version and day: the public page is rendered once per
    language, and a recorded observation bumps the version (``services.adoption_record``).
    """
    day = timezone.localdate()
    key = f"payments:public:{village.pk}:{public_cache.version(village.pk)}:{day.isoformat()}"
    counts = cache.get(key)
    if counts is None:
        counts = {
            spec.code: spec.counts(day, villages=[village.pk]).get(village.pk, (0, 0))
            for spec in SPECS
        }
        cache.set(key, counts, PUBLIC_CACHE_SECONDS)
    rows = []
    for spec in SPECS:
        yes, total = counts.get(spec.code, (0, 0))
        if total < PUBLIC_MIN_DENOMINATOR:
            continue
        rows.append({"spec": spec, "yes": yes, "total": total, "pct": round(100 * yes / total)})
    return rows


@register.simple_tag
def public_adoption_figures(village: Any) -> list[dict[str, Any]]:
    return public_figures(village)


@register.simple_tag(takes_context=True)
def records_adoption(context: Any) -> bool:
    """Whether the signed-in user records adoption in the current village: the menu offers
    the door-to-door pages only to those they do not refuse."""
    roles: frozenset[str] = getattr(context.get("request"), "village_roles", frozenset())
    return bool(roles & RECORDER_ROLES)
