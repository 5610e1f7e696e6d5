from datetime import timedelta
from typing import Any

from django import template
from django.utils import timezone

from announcements.models import Acknowledgement, Announcement, Delivery, SpeakerCluster
from announcements.selectors import (
    REACHED,
    lane_public_announcements,
    my_announcements,
    public_announcements,
)
from households.models import Household

register = template.Library()


@register.simple_tag
def announcement_tiles(village: Any) -> dict[str, int]:
    since = timezone.now() - timedelta(days=30)
    clusters = SpeakerCluster.objects.filter(village=village)
    return {
        "sent_30": Announcement.objects.filter(
            village=village, status=Announcement.Status.SENT, sent_at__gte=since
        ).count(),
        "pending": Announcement.objects.filter(
            village=village, status=Announcement.Status.PENDING_APPROVAL
        ).count(),
        "households": Household.objects.active().filter(village=village).count(),
        "households_reached": Delivery.objects.filter(
            announcement__village=village,
            announcement__sent_at__gte=since,
            status__in=REACHED,
        )
        .values("household_id")
        .distinct()
        .count(),
        "silent_clusters": sum(1 for c in clusters if c.is_silent()),
    }


@register.simple_tag
def latest_public_announcements(village: Any) -> list[Announcement]:
    return list(public_announcements(village=village)[:3])


@register.simple_tag
def lane_announcements(lane: Any) -> list[Announcement]:
    return list(lane_public_announcements(lane=lane)[:5])


@register.simple_tag
def my_latest_announcements(resident: Any) -> dict[str, Any]:
    """The last announcements sent to a resident, and which of them still wait for an answer."""
    items = list(my_announcements(resident=resident)[:5])
    answered = set(
        Acknowledgement.objects.filter(resident=resident, announcement__in=items).values_list(
            "announcement_id", flat=True
        )
        if resident is not None
        else ()
    )
    waiting = {
        a.public_code
        for a in items
        if a.ask_acknowledgement and a.status == Announcement.Status.SENT and a.pk not in answered
    }
    return {"items": items, "waiting": waiting}
