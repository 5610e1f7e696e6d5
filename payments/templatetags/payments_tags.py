"""Figures for the dashboard tiles."""

from typing import Any

from django import template
from django.utils import timezone

from payments.figures import SPEC_BY_CODE

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
