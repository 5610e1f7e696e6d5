"""Camera figures for the reports: how many public cameras, and how well they worked."""

from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cameras.models import Camera, UptimeDay
from reports.registry import Figure, Measure, register

UPTIME_DAYS = 30


def _public_as_of(as_of: date) -> Q:
    end = timezone.make_aware(datetime.combine(as_of + timedelta(days=1), time.min))
    return Q(kind=Camera.Kind.PUBLIC, enabled=True, created_at__lt=end) & (
        Q(installed_on__isnull=True) | Q(installed_on__lte=as_of)
    )


def _count(villages: QuerySet, as_of: date) -> dict[UUID, Figure]:
    rows = (
        Camera.objects.filter(_public_as_of(as_of), village__in=villages)
        .values("village_id")
        .annotate(n=Count("pk"))
    )
    return {row["village_id"]: Figure(numerator=row["n"]) for row in rows}


def _uptime_days(as_of: date) -> QuerySet:
    """The probe days the uptime figure counts: public cameras, the 30 days up to the date."""
    return UptimeDay.objects.filter(
        camera__kind=Camera.Kind.PUBLIC,
        day__gt=as_of - timedelta(days=UPTIME_DAYS),
        day__lte=as_of,
    )


def _uptime(villages: QuerySet, as_of: date) -> dict[UUID, Figure]:
    rows = (
        _uptime_days(as_of)
        .filter(camera__village__in=villages)
        .values("camera__village_id")
        .annotate(ok=Sum("ok"), probes=Sum("probes"))
    )
    return {
        row["camera__village_id"]: Figure(numerator=row["ok"], denominator=row["probes"])
        for row in rows
    }


def _cameras(village: object, as_of: date) -> QuerySet:
    return Camera.objects.filter(_public_as_of(as_of), village=village).order_by("name")


def _probed(village: object, as_of: date) -> QuerySet:
    """The village's public cameras probed in the 30 days up to the date (those the uptime
    figure is made of), annotated with whether any of those probes failed."""
    days = _uptime_days(as_of).filter(camera=OuterRef("pk"))
    return (
        Camera.objects.filter(village=village, kind=Camera.Kind.PUBLIC)
        .filter(Exists(days))
        .annotate(failed=Exists(days.filter(ok__lt=F("probes"))))
        .order_by("name")
    )


public_cameras_count = register(
    Measure(
        code="public_cameras_count",
        label=_("Public security cameras"),
        definition=_("Enabled public cameras of the village installed by the date."),
        unit=Measure.COUNT,
        compute=_count,
        records=_cameras,
        app="cameras",
    )
)

public_cameras_uptime_30d = register(
    Measure(
        code="public_cameras_uptime_30d",
        label=_("Public camera uptime over 30 days"),
        definition=_(
            "Probes of public cameras that found them working / all probes of public "
            "cameras, over the 30 days up to the date (maintenance periods excluded)."
        ),
        unit=Measure.PERCENT,
        compute=_uptime,
        # The figure counts probes, the lists cameras: those that answered every probe of the
        # window, and those that missed at least one (as of the date, from the probe days).
        records=lambda village, as_of: _probed(village, as_of).filter(failed=False),
        missing=lambda village, as_of: _probed(village, as_of).filter(failed=True),
        lists_count=False,
        app="cameras",
    )
)
