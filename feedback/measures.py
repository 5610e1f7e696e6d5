"""Feedback measures for the reports app: one aggregate query for all villages, as of a date.

Each looks at the reports sent in the 90 days up to the date (``WINDOW_DAYS``), as they stood
at the end of that day.
"""

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback.models import Report, Status
from reports.registry import Figure, Measure, register

WINDOW_DAYS = 90


def _bounds(as_of: date) -> tuple[datetime, datetime]:
    """The window of reports sent, and the moment they are looked at (never in the future)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    end = datetime.combine(as_of + timedelta(days=1), time.min, zone)
    return end - timedelta(days=WINDOW_DAYS), min(end, timezone.now())


def _window(villages: Any, as_of: date) -> QuerySet[Report]:
    start, end = _bounds(as_of)
    return Report.objects.filter(village__in=villages, created_at__gte=start, created_at__lt=end)


def _figures(rows: QuerySet) -> dict[UUID, Figure]:
    return {r["village_id"]: Figure(numerator=r["n"], denominator=r["d"]) for r in rows}


# Acknowledged on time ------------------------------------------------------------------


def _ack_due_known(as_of: date) -> Q:
    _start, end = _bounds(as_of)
    return Q(acknowledged_at__lt=end) | Q(ack_due__lt=end)


def _ack_on_time(as_of: date) -> Q:
    _start, end = _bounds(as_of)
    return Q(acknowledged_at__lt=end, acknowledged_at__lte=F("ack_due"))


def _ack_compute(villages: QuerySet, as_of: date) -> dict[UUID, Figure]:
    rows = (
        _window(villages, as_of)
        .values("village_id")
        .annotate(
            n=Count("pk", filter=_ack_on_time(as_of)),
            d=Count("pk", filter=_ack_due_known(as_of)),
        )
        .order_by()
    )
    return _figures(rows)


register(
    Measure(
        code="feedback_acknowledged_on_time",
        label=_("Reports acknowledged on time"),
        definition=_(
            "Reports of the last 90 days acknowledged within their deadline / reports whose "
            "deadline to acknowledge has passed or that were acknowledged."
        ),
        unit=Measure.PERCENT,
        compute=_ack_compute,
        records=lambda village, as_of: _window([village], as_of).filter(_ack_on_time(as_of)),
        missing=lambda village, as_of: (
            _window([village], as_of).filter(_ack_due_known(as_of)).exclude(_ack_on_time(as_of))
        ),
        app="feedback",
    )
)

# Resolved the same day -----------------------------------------------------------------


def _resolved(as_of: date) -> Q:
    _start, end = _bounds(as_of)
    return Q(resolved_at__lt=end, status=Status.RESOLVED)


def _same_day_qs(villages: Any, as_of: date) -> QuerySet[Report]:
    zone = ZoneInfo(settings.TIME_ZONE)
    return _window(villages, as_of).annotate(
        sent_day=TruncDate("created_at", tzinfo=zone),
        resolved_day=TruncDate("resolved_at", tzinfo=zone),
    )


def _same_day_compute(villages: QuerySet, as_of: date) -> dict[UUID, Figure]:
    resolved = _resolved(as_of)
    rows = (
        _same_day_qs(villages, as_of)
        .values("village_id")
        .annotate(
            n=Count("pk", filter=resolved & Q(resolved_day=F("sent_day"))),
            d=Count("pk", filter=resolved),
        )
        .order_by()
    )
    return _figures(rows)


register(
    Measure(
        code="feedback_resolved_same_day",
        label=_("Reports resolved the same day"),
        definition=_(
            "Reports of the last 90 days resolved on the day they were sent / reports resolved."
        ),
        unit=Measure.PERCENT,
        compute=_same_day_compute,
        records=lambda village, as_of: _same_day_qs([village], as_of).filter(
            _resolved(as_of), resolved_day=F("sent_day")
        ),
        missing=lambda village, as_of: (
            _same_day_qs([village], as_of)
            .filter(_resolved(as_of))
            .exclude(resolved_day=F("sent_day"))
        ),
        app="feedback",
    )
)

# Satisfaction --------------------------------------------------------------------------


def _rated(as_of: date) -> Q:
    _start, end = _bounds(as_of)
    return Q(rated_at__lt=end, satisfied__isnull=False)


def _satisfaction_compute(villages: QuerySet, as_of: date) -> dict[UUID, Figure]:
    rated = _rated(as_of)
    rows = (
        _window(villages, as_of)
        .values("village_id")
        .annotate(n=Count("pk", filter=rated & Q(satisfied=True)), d=Count("pk", filter=rated))
        .order_by()
    )
    return _figures(rows)


register(
    Measure(
        code="feedback_satisfaction",
        label=_("Reporters satisfied with the outcome"),
        definition=_(
            "Reports of the last 90 days rated “satisfied” by their reporter / reports rated."
        ),
        unit=Measure.PERCENT,
        compute=_satisfaction_compute,
        records=lambda village, as_of: _window([village], as_of).filter(
            _rated(as_of), satisfied=True
        ),
        missing=lambda village, as_of: _window([village], as_of).filter(
            _rated(as_of), satisfied=False
        ),
        app="feedback",
    )
)
