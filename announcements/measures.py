"""Indicators computed from the announcements: how many households the village reaches."""

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from announcements.models import Delivery
from households.models import Household, Village
from reports.measures import households_as_of
from reports.registry import Figure, Measure, register

WINDOW_DAYS = 30
REACHED = ["sent", "delivered", "read"]


def _window(as_of: date) -> tuple[datetime, datetime]:
    end = timezone.make_aware(datetime.combine(as_of + timedelta(days=1), time.min))
    return end - timedelta(days=WINDOW_DAYS), end


def _reached(as_of: date) -> QuerySet[Delivery]:
    start, end = _window(as_of)
    return Delivery.objects.filter(
        status__in=REACHED,
        announcement__sent_at__gte=start,
        announcement__sent_at__lt=end,
    )


def _reached_exists(as_of: date) -> Exists:
    return Exists(_reached(as_of).filter(household_id=OuterRef("pk")))


def _compute(villages: QuerySet, as_of: date) -> dict[UUID, Figure]:
    rows = (
        households_as_of(villages, as_of)  # the households of the date, as the history has them
        .order_by()
        .values("h_village")
        .annotate(total=Count("pk"), reached=Count("pk", filter=_reached_exists(as_of)))
    )
    # SQLite hands a subquery's UUID back as its hex text: keys are made UUIDs again.
    return {
        UUID(str(row["h_village"])): Figure(numerator=row["reached"], denominator=row["total"])
        for row in rows
    }


def _village_households(village: Any, as_of: date) -> QuerySet[Household]:
    return (
        households_as_of(Village.objects.filter(pk=village.pk), as_of)
        .select_related("lane", "village")
        .order_by("lane__sort_order", "house_number_key", "pk")
    )


def _records(village: Any, as_of: date) -> QuerySet[Household]:
    return _village_households(village, as_of).filter(_reached_exists(as_of))


def _missing(village: Any, as_of: date) -> QuerySet[Household]:
    return _village_households(village, as_of).exclude(_reached_exists(as_of))


register(
    Measure(
        code="announcement_reach",
        label=_("Households reached by announcements"),
        definition=_(
            "Active households with at least one member to whom an announcement sent in the "
            "30 days up to the date was sent, delivered or read on any channel (web, e-mail, "
            "SMS, Zalo) / active households."
        ),
        unit=Measure.PERCENT,
        compute=_compute,
        records=_records,
        missing=_missing,
        app="announcements",
    )
)
