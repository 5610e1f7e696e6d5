from typing import Any

from django import template

from qrsigns.selectors import scans_per_day, sign_counts

register = template.Library()


@register.inclusion_tag("qrsigns/_dashboard_tiles.html")
def qrsigns_tiles(village: Any) -> dict[str, Any]:
    """Active signs and scans in the last 30 days, for the staff dashboard."""
    if village is None:
        return {"village": None}
    return {
        "village": village,
        "counts": sign_counts(village=village),
        "scans": sum(n for _d, n in scans_per_day(village=village)),
    }
