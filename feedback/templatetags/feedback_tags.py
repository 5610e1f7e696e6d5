from typing import Any

from django import template

from feedback.selectors import tiles

register = template.Library()


@register.simple_tag
def feedback_tiles(village: Any) -> dict[str, Any]:
    return tiles(village=village)
