from typing import Any

from django import template

from feedback.selectors import reports_of_reporter, tiles

register = template.Library()


@register.simple_tag
def feedback_tiles(village: Any) -> dict[str, Any]:
    return tiles(village=village)


@register.simple_tag
def my_latest_reports(user: Any) -> list[Any]:
    """The last reports sent from this account, for the resident's home page."""
    return reports_of_reporter(user=user, codes=[], limit=5)
