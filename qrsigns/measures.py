"""Indicators of the QR-sign app for the reports: lanes that carry an active sign."""

from datetime import date
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from households.models import Lane, Village
from qrsigns.models import Sign
from reports.registry import Figure, Measure, register

LANE_KINDS = (Sign.Kind.LANE_START, Sign.Kind.LANE_END)


def _lanes(as_of: date) -> QuerySet[Lane]:
    """Lanes that existed on ``as_of``."""
    return Lane.objects.filter(created_at__date__lte=as_of).filter(
        Q(deleted_at__isnull=True) | Q(deleted_at__date__gt=as_of)
    )


def _active_sign(as_of: date) -> Exists:
    signs = Sign.objects.filter(
        lane=OuterRef("pk"), kind__in=LANE_KINDS, created_at__date__lte=as_of
    ).filter(Q(is_active=True) | Q(disabled_at__date__gt=as_of))
    return Exists(signs)


def _compute(villages: QuerySet[Village], as_of: date) -> dict[UUID, Figure]:
    rows = (
        _lanes(as_of)
        .filter(village__in=villages)
        .annotate(signed=_active_sign(as_of))
        .values("village_id")
        .annotate(total=Count("pk"), with_signs=Count("pk", filter=Q(signed=True)))
        .order_by()
    )
    return {
        row["village_id"]: Figure(numerator=row["with_signs"], denominator=row["total"])
        for row in rows
    }


def _records(village: Village, as_of: date) -> QuerySet[Lane]:
    return _lanes(as_of).filter(village=village).filter(_active_sign(as_of))


def _missing(village: Village, as_of: date) -> QuerySet[Lane]:
    return _lanes(as_of).filter(village=village).exclude(_active_sign(as_of))


register(
    Measure(
        code="lanes_with_active_signs",
        label=_("Lanes with active QR signs"),
        definition=_(
            "Lanes with at least one active lane sign (start or end) / lanes of the village."
        ),
        unit=Measure.PERCENT,
        compute=_compute,
        records=_records,
        missing=_missing,
        app="qrsigns",
    )
)
