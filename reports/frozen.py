"""The figures a period close froze, read back as reports the exports can write.

A close stores each village's report as a dictionary (``freeze``); a closed period's exports
are written from those dictionaries, never recomputed, so that what was closed is what is
sent. Only a reopened period is computed again from the records.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from reports.engine import VillageReport
from reports.models import CriteriaSet, PeriodClose, PeriodEvent
from reports.registry import Figure


def freeze(report: VillageReport) -> dict[str, Any]:
    """A village's report as stored by a close: the API's dictionary, with what an export
    also needs (the commune's name, the date of each attestation)."""
    data = report.as_dict()
    data["commune_name"] = report.village.commune.name
    results = [r for c in report.criteria for r in c.indicators]
    for stored, result in zip(
        (i for c in data["criteria"] for i in c["indicators"]), results, strict=True
    ):
        stored["attested_on"] = (
            result.attestation.attested_on.isoformat() if result.attestation else None
        )
    return data


@dataclass(frozen=True)
class FrozenIndicator:
    pk: int | None
    name: str
    source: str
    measure_code: str
    threshold_kind: str
    threshold_value: Decimal | None


@dataclass(frozen=True)
class FrozenAttestation:
    attested_on: date


@dataclass(frozen=True)
class FrozenResult:
    indicator: FrozenIndicator
    figure: Figure | None
    value: float | bool | None
    passed: bool | None
    available: bool
    attestation: FrozenAttestation | None = None


@dataclass(frozen=True)
class FrozenCriterionHeading:
    number: int
    title: str


@dataclass
class FrozenCriterion:
    criterion: FrozenCriterionHeading
    passed: bool
    indicators: list[FrozenResult] = field(default_factory=list)


@dataclass(frozen=True)
class FrozenCommune:
    name: str


@dataclass(frozen=True)
class FrozenVillage:
    pk: str
    name: str
    commune: FrozenCommune


@dataclass
class FrozenReport:
    """A village's report as the close froze it, with the attributes the exports read."""

    village: FrozenVillage
    as_of: date
    passed: bool
    passed_count: int
    criteria: list[FrozenCriterion] = field(default_factory=list)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _result(data: dict[str, Any]) -> FrozenResult:
    figure = None
    if data.get("numerator") is not None:
        figure = Figure(data["numerator"], data.get("denominator"))
    attested_on = data.get("attested_on")
    return FrozenResult(
        indicator=FrozenIndicator(
            pk=data.get("id"),
            name=data.get("name", ""),
            source=data.get("source", ""),
            measure_code=data.get("measure") or "",
            threshold_kind=data.get("threshold_kind", ""),
            threshold_value=_decimal(data.get("threshold")),
        ),
        figure=figure,
        value=data.get("value"),
        passed=data.get("passed"),
        available=bool(data.get("available", True)),
        attestation=FrozenAttestation(date.fromisoformat(attested_on)) if attested_on else None,
    )


def thaw(data: dict[str, Any], *, commune_name: str) -> FrozenReport:
    """A stored village report read back."""
    return FrozenReport(
        village=FrozenVillage(
            pk=data.get("village", ""),
            name=data.get("village_name", ""),
            commune=FrozenCommune(data.get("commune_name") or commune_name),
        ),
        as_of=date.fromisoformat(data["as_of"]),
        passed=bool(data.get("passed")),
        passed_count=int(data.get("criteria_passed", 0)),
        criteria=[
            FrozenCriterion(
                criterion=FrozenCriterionHeading(c.get("number", 0), c.get("title", "")),
                passed=bool(c.get("passed")),
                indicators=[_result(i) for i in c.get("indicators", [])],
            )
            for c in data.get("criteria", [])
        ],
    )


def frozen_reports(period: PeriodClose, *, village_id: Any = None) -> list[FrozenReport]:
    """The villages' reports a close froze, by village name (one village's if asked)."""
    stored = period.figures.get("villages", {})
    if village_id is not None:
        one = stored.get(str(village_id))
        rows = [one] if one else []
    else:
        rows = list(stored.values())
    reports = [thaw(r, commune_name=period.commune.name) for r in rows]
    return sorted(reports, key=lambda r: (r.village.name, str(r.village.pk)))


def frozen_as_of(period: PeriodClose) -> date | None:
    raw = period.figures.get("as_of")
    return date.fromisoformat(raw) if raw else None


def closed_period(*, commune_id: int, criteria_set: CriteriaSet, as_of: date) -> PeriodClose | None:
    """The closed period of the commune and set whose figures were frozen as of ``as_of``
    (the latest closed if several share the day, say December's month, quarter and year)."""
    periods: QuerySet[PeriodClose] = PeriodClose.objects.filter(
        commune_id=commune_id, criteria_set=criteria_set, is_closed=True
    ).select_related("commune", "closed_by")
    for period in periods.order_by("-closed_at", "-pk"):
        if frozen_as_of(period) == as_of:
            return period
    return None


def closer_name(period: PeriodClose) -> str:
    """Who closed the period, as the log has it."""
    event = period.events.filter(action=PeriodEvent.Action.CLOSE).order_by("-at", "-pk").first()
    if event is not None and event.by_name:
        return event.by_name
    return str(period.closed_by or "")


def closed_note(period: PeriodClose) -> str:
    """The line an export of a closed period carries."""
    return _(
        "Figures frozen when %(period)s was closed on %(date)s by %(who)s; "
        "they change only if the period is reopened."
    ) % {
        "period": period,
        "date": date_format(timezone.localtime(period.closed_at), "d/m/Y H:i"),
        "who": closer_name(period) or "—",
    }


def reopened_note(period: PeriodClose) -> str:
    return _("%(period)s was reopened: these figures are computed again from the records.") % {
        "period": period
    }
