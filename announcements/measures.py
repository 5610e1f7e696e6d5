"""Indicators computed from the announcements: how many households the village reaches."""

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from announcements.models import Delivery
from households.models import Household
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


def _active(villages: Any) -> QuerySet[Household]:
    return Household.objects.active().filter(village__in=villages)


def _compute(villages: QuerySet, as_of: date) -> dict[UUID, Figure]:
    reached_households = _reached(as_of).filter(household_id=OuterRef("pk"))
    rows = (
        _active(villages)
        .values("village_id")
        .annotate(
            total=Count("pk"),
            reached=Count("pk", filter=Exists(reached_households)),
        )
    )
    return {
        row["village_id"]: Figure(numerator=row["reached"], denominator=row["total"])
        for row in rows
    }


def _records(village: Any, as_of: date) -> QuerySet[Household]:
    return _active([village]).filter(Exists(_reached(as_of).filter(household_id=OuterRef("pk"))))


def _missing(village: Any, as_of: date) -> QuerySet[Household]:
    return _active([village]).exclude(Exists(_reached(as_of).filter(household_id=OuterRef("pk"))))


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
