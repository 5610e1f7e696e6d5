"""The computation: a criteria set over many villages as of a date.

Each measure the set names is computed once for all the villages (its own grouped queries),
attestations are read in one query, and thresholds are applied in memory per village.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from households.models import Village
from reports.models import Attestation, CommuneCriteria, CriteriaSet, Criterion, Indicator
from reports.registry import MEASURES, Figure, Measure, batch


@dataclass
class IndicatorResult:
    indicator: Indicator
    measure: Measure | None
    figure: Figure | None = None
    attestation: Attestation | None = None

    @property
    def available(self) -> bool:
        if self.indicator.source == Indicator.Source.ATTESTED:
            return True
        return self.measure is not None

    @property
    def value(self) -> float | bool | None:
        """The figure compared with the threshold: a percentage, a count or yes/no."""
        if self.indicator.source == Indicator.Source.ATTESTED:
            if self.attestation is None:
                return None
            if self.indicator.threshold_kind == Indicator.Threshold.YES:
                return self.attestation.met
            return float(self.attestation.value) if self.attestation.value is not None else None
        if self.measure is None:
            return None
        figure = self.figure or Figure(0, 0 if self.measure.unit == Measure.PERCENT else None)
        if self.indicator.threshold_kind == Indicator.Threshold.YES:
            return bool(figure.numerator)
        if figure.denominator is not None:
            return figure.percent
        return float(figure.numerator)

    @property
    def passed(self) -> bool | None:
        if not self.available:
            return None
        value = self.value
        if value is None:
            return False
        return self.indicator.passes(value)

    @property
    def short_of(self) -> int | None:
        """How many more records the numerator needs to reach a percentage threshold."""
        figure = self.figure
        if (
            self.passed is not False
            or figure is None
            or not figure.denominator
            or self.indicator.threshold_kind != Indicator.Threshold.PERCENT_AT_LEAST
        ):
            return None
        import math

        needed = math.ceil(float(self.indicator.threshold_value or 0) * figure.denominator / 100)
        return max(0, needed - int(figure.numerator))

    @property
    def has_missing_list(self) -> bool:
        return self.measure is not None and self.measure.missing is not None

    @property
    def has_records_list(self) -> bool:
        return self.measure is not None and self.measure.records is not None

    @property
    def missing_count(self) -> int | None:
        figure = self.figure
        if figure is None or figure.denominator is None:
            return None
        return int(figure.denominator - figure.numerator)


@dataclass
class CriterionResult:
    criterion: Criterion
    indicators: list[IndicatorResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.indicators) and all(r.passed for r in self.indicators)


@dataclass
class VillageReport:
    village: Village
    as_of: date
    criteria: list[CriterionResult] = field(default_factory=list)

    @property
    def passed_count(self) -> int:
        return sum(1 for c in self.criteria if c.passed)

    @property
    def passed(self) -> bool:
        return bool(self.criteria) and all(c.passed for c in self.criteria)

    def indicator(self, indicator_id: int) -> IndicatorResult | None:
        for criterion in self.criteria:
            for result in criterion.indicators:
                if result.indicator.pk == indicator_id:
                    return result
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "village": str(self.village.pk),
            "village_name": self.village.name,
            "as_of": self.as_of.isoformat(),
            "passed": self.passed,
            "criteria_passed": self.passed_count,
            "criteria_total": len(self.criteria),
            "criteria": [
                {
                    "number": c.criterion.number,
                    "title": c.criterion.title,
                    "passed": c.passed,
                    "indicators": [indicator_dict(r) for r in c.indicators],
                }
                for c in self.criteria
            ],
        }


def indicator_dict(result: IndicatorResult) -> dict[str, Any]:
    indicator = result.indicator
    figure = result.figure
    return {
        "id": indicator.pk,
        "name": indicator.name,
        "source": indicator.source,
        "measure": indicator.measure_code or None,
        "available": result.available,
        "threshold_kind": indicator.threshold_kind,
        "threshold": float(indicator.threshold_value)
        if indicator.threshold_value is not None
        else None,
        "numerator": figure.numerator if figure else None,
        "denominator": figure.denominator if figure else None,
        "value": result.value,
        "passed": result.passed,
    }


def structure(criteria_set: CriteriaSet) -> list[Criterion]:
    """The set's criteria with their indicators, in two queries."""
    return list(
        criteria_set.criteria.prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.order_by("order", "pk"))
        )
    )


def validate_as_of(*, village: Village, as_of: date) -> None:
    if as_of > timezone.localdate():
        raise ValidationError(_("The date is in the future: figures exist up to today."))
    if as_of < village.valid_from:
        raise ValidationError(
            _("%(village)s did not exist on %(date)s: it exists since %(since)s.")
            % {
                "village": village.name,
                "date": date_format(as_of, "d/m/Y"),
                "since": date_format(village.valid_from, "d/m/Y"),
            }
        )


def existing_on(villages: QuerySet, as_of: date) -> QuerySet:
    """The villages of ``villages`` that existed on ``as_of``."""
    return villages.filter(valid_from__lte=as_of).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=as_of)
    )


def compute_measures(
    codes: set[str], villages: QuerySet, as_of: date
) -> dict[str, dict[UUID, Figure]]:
    """Each registered measure of ``codes`` over ``villages``; unregistered codes are left out."""
    with batch():
        return {
            code: MEASURES[code].compute(villages, as_of)
            for code in sorted(codes)
            if code in MEASURES
        }


def latest_attestations(
    indicators: list[Indicator], villages: QuerySet, as_of: date
) -> dict[tuple[int, UUID], Attestation]:
    """The latest attestation per (indicator, village), including those made under earlier
    versions of the same indicator."""
    if not indicators:
        return {}
    by_lineage = {i.lineage: i.pk for i in indicators}
    rows = (
        Attestation.objects.filter(
            indicator__lineage__in=list(by_lineage),
            village__in=villages.values("pk"),
            attested_on__lte=as_of,
        )
        .select_related("indicator")
        .order_by("village_id", "-attested_on", "-created_at")
    )
    latest: dict[tuple[int, UUID], Attestation] = {}
    for row in rows:
        latest.setdefault((by_lineage[row.indicator.lineage], row.village_id), row)
    return latest


def evaluate_iter(
    *, criteria_set: CriteriaSet, villages: QuerySet, as_of: date
) -> Iterator[VillageReport]:
    """Each village's report in turn: the figures are computed up front for all villages (a
    few numbers per village), the reports are built one at a time as they are consumed."""
    criteria = structure(criteria_set)
    indicators = [i for c in criteria for i in c.indicators.all()]
    codes = {i.measure_code for i in indicators if i.source == Indicator.Source.MEASURE}
    figures = compute_measures(codes, villages, as_of)
    attested = [i for i in indicators if i.source == Indicator.Source.ATTESTED]
    attestations = latest_attestations(attested, villages, as_of)
    for village in villages.select_related("commune__province").iterator(chunk_size=500):
        report = VillageReport(village=village, as_of=as_of)
        for criterion in criteria:
            result = CriterionResult(criterion=criterion)
            for indicator in criterion.indicators.all():
                if indicator.source == Indicator.Source.ATTESTED:
                    result.indicators.append(
                        IndicatorResult(
                            indicator,
                            None,
                            attestation=attestations.get((indicator.pk, village.pk)),
                        )
                    )
                    continue
                measure = MEASURES.get(indicator.measure_code)
                figure = None
                if measure is not None:
                    figure = figures[indicator.measure_code].get(village.pk) or Figure(
                        0, 0 if measure.unit == Measure.PERCENT else None
                    )
                result.indicators.append(IndicatorResult(indicator, measure, figure))
            report.criteria.append(result)
        yield report


def evaluate(
    *, criteria_set: CriteriaSet, villages: QuerySet, as_of: date
) -> dict[UUID, VillageReport]:
    """The criteria set for every village of ``villages`` as of ``as_of``, in village order."""
    return {
        report.village.pk: report
        for report in evaluate_iter(criteria_set=criteria_set, villages=villages, as_of=as_of)
    }


def evaluate_village(*, criteria_set: CriteriaSet, village: Village, as_of: date) -> VillageReport:
    validate_as_of(village=village, as_of=as_of)
    return evaluate(
        criteria_set=criteria_set, villages=Village.objects.filter(pk=village.pk), as_of=as_of
    )[village.pk]


def set_for_village(village: Village, as_of: date | None = None) -> CriteriaSet | None:
    """The set that applies to ``village``: that of its commune (see ``set_for_commune``)."""
    return set_for_commune(village.commune, as_of)


def set_for_commune(commune: Any, as_of: date | None = None) -> CriteriaSet | None:
    """The set a commune is scored by: its own variant in use; else the set it adopted; else
    its province's set in use; else the national one."""
    as_of = as_of or timezone.localdate()
    in_use = CriteriaSet.objects.filter(status=CriteriaSet.Status.IN_USE).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=as_of)
    )
    own = in_use.filter(commune_id=commune.pk).order_by("-version").first()
    if own is not None:
        return own
    adopted = (
        CriteriaSet.objects.filter(
            family__in=CommuneCriteria.objects.filter(commune=commune).values("family")
        )
        .filter(pk__in=in_use.values("pk"))
        .order_by("-version")
        .first()
    )
    if adopted is not None:
        return adopted
    return (
        in_use.filter(province_id=commune.province_id, commune__isnull=True)
        .order_by("-version")
        .first()
        or in_use.filter(province__isnull=True).order_by("-effective_from", "-version").first()
    )
