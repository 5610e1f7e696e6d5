"""Reads of the announcements app that depend on who asks, and the reach figures."""

from typing import Any

from django.db.models import Count, Q, QuerySet

from announcements.models import Acknowledgement, Announcement, Delivery
from households.models import Lane, Resident

REACHED = [Delivery.Status.SENT, Delivery.Status.DELIVERED, Delivery.Status.READ]


def announcements_for_staff(*, user: Any, village: Any) -> QuerySet[Announcement]:
    return (
        Announcement.objects.visible_to(user)
        .filter(village=village, reminder_of__isnull=True)
        .select_related("created_by")
    )


def public_announcements(*, village: Any) -> QuerySet[Announcement]:
    return Announcement.objects.filter(
        village=village,
        is_public=True,
        status=Announcement.Status.SENT,
        kind__in=Announcement.PUBLIC_KINDS,
        reminder_of__isnull=True,
    ).order_by("-sent_at", "-pk")


def reach(*, announcement: Announcement) -> dict[str, Any]:
    """Recipients, delivered, read and acknowledged, by channel and by lane."""
    rows = Delivery.objects.filter(announcement=announcement)
    by_channel = {
        row["channel"]: row
        for row in rows.values("channel").annotate(
            total=Count("pk"),
            queued=Count("pk", filter=Q(status=Delivery.Status.QUEUED)),
            sent=Count("pk", filter=Q(status=Delivery.Status.SENT)),
            delivered=Count("pk", filter=Q(status=Delivery.Status.DELIVERED)),
            read=Count("pk", filter=Q(status=Delivery.Status.READ)),
            failed=Count("pk", filter=Q(status=Delivery.Status.FAILED)),
        )
    }
    lane_names = dict(Lane.objects.filter(village=announcement.village).values_list("pk", "name"))
    by_lane = [
        {**row, "name": lane_names.get(row["lane_id"], "—")}
        for row in rows.values("lane_id")
        .annotate(
            recipients=Count("resident", distinct=True),
            reached=Count("resident", distinct=True, filter=Q(status__in=REACHED)),
        )
        .order_by("lane_id")
    ]
    acks = dict(
        Acknowledgement.objects.filter(announcement=announcement)
        .values_list("answer")
        .annotate(n=Count("pk"))
    )
    totals = rows.aggregate(
        total=Count("pk"),
        queued=Count("pk", filter=Q(status=Delivery.Status.QUEUED)),
        failed=Count("pk", filter=Q(status=Delivery.Status.FAILED)),
    )
    totals["sent"] = totals["total"] - totals["queued"] - totals["failed"]
    return {
        "totals": totals,
        "recipients": announcement.recipients_count,
        "reached": rows.filter(status__in=REACHED).values("resident").distinct().count(),
        "by_channel": by_channel,
        "by_lane": by_lane,
        "acknowledgements": acks,
        "failures": rows.filter(status=Delivery.Status.FAILED)
        .values("reason")
        .annotate(n=Count("pk"))
        .order_by("-n")[:10],
    }


def my_announcements(*, resident: Resident | None) -> QuerySet[Announcement]:
    if resident is None:
        return Announcement.objects.none()
    return (
        Announcement.objects.filter(
            Q(deliveries__resident=resident)
            | Q(
                village_id=resident.household.village_id,
                is_public=True,
                status=Announcement.Status.SENT,
                reminder_of__isnull=True,
            ),
            status__in=[Announcement.Status.SENT, Announcement.Status.WITHDRAWN],
        )
        .distinct()
        .order_by("-sent_at", "-pk")
    )
