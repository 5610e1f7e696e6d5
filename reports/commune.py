"""A commune's villages side by side: each figure, how it moved since the last period, which
villages are behind their targets, and the commune's totals.

The totals mean what a reader adds up in their head: a count is summed over the villages; a
percentage is one rate over all of the commune's records (the numerators summed over the
denominators summed), never an average of the villages' percentages, which would count a
village of 20 households as much as one of 400.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from households.models import Commune
from reports import engine, frozen
from reports.models import CriteriaSet, Indicator, PeriodClose

PERCENT, COUNT, YES = "percent", "count", "yes"


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    return float(value)


@dataclass
class Cell:
    """One village's figure for one indicator, with the same figure a period earlier."""

    kind: str
    result: Any
    previous: Any = None

    @property
    def available(self) -> bool:
        return self.result is not None and bool(self.result.available)

    @property
    def value(self) -> Any:
        return None if self.result is None else self.result.value

    @property
    def passed(self) -> bool | None:
        return None if self.result is None else self.result.passed

    @property
    def behind(self) -> bool:
        return self.passed is False

    @property
    def previous_value(self) -> Any:
        return None if self.previous is None else self.previous.value

    @property
    def delta(self) -> float | None:
        """The change since the previous period: percentage points, or records counted."""
        if self.kind == YES:
            return None
        now, before = _number(self.value), _number(self.previous_value)
        if now is None or before is None:
            return None
        return round(now - before, 1)

    @property
    def newly_met(self) -> bool:
        return self.previous is not None and self.passed is True and self.previous.passed is False

    @property
    def newly_missed(self) -> bool:
        return self.previous is not None and self.passed is False and self.previous.passed is True


@dataclass
class Row:
    report: Any
    cells: list[Cell]
    previous: Any = None

    @property
    def behind(self) -> bool:
        return not self.report.passed

    @property
    def passed_delta(self) -> int | None:
        if self.previous is None:
            return None
        return int(self.report.passed_count) - int(self.previous.passed_count)

    @property
    def missed(self) -> list[Cell]:
        """The indicators the village is below the target on, in the set's order."""
        return [c for c in self.cells if c.behind]


@dataclass
class Total:
    """The commune's figure for one indicator: a sum, one rate, or how many villages say yes."""

    indicator: Indicator
    kind: str
    value: float | None
    previous: float | None
    villages_passed: int
    villages: int
    numerator: float = 0
    denominator: int = 0

    @property
    def delta(self) -> float | None:
        if self.kind == YES or self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 1)


@dataclass
class Comparison:
    columns: list[Indicator]
    rows: list[Row]
    totals: list[Total]
    previous_label: str = ""
    previous_as_of: date | None = None
    previous_passing: int | None = None
    kinds: list[str] = field(default_factory=list)

    @property
    def passing(self) -> int:
        return sum(1 for r in self.rows if r.report.passed)

    @property
    def behind(self) -> list[Row]:
        """The villages that do not meet every criterion, furthest behind first."""
        return sorted(
            (r for r in self.rows if r.behind),
            key=lambda r: (r.report.passed_count, -len(r.missed), r.report.village.name),
        )


def kind_of(indicator: Indicator, results: list[Any]) -> str:
    """How an indicator's figures add up over villages."""
    if indicator.threshold_kind == Indicator.Threshold.YES:
        return YES
    if any(
        r is not None and r.figure is not None and r.figure.denominator is not None for r in results
    ):
        return PERCENT
    if indicator.threshold_kind == Indicator.Threshold.PERCENT_AT_LEAST:
        return PERCENT
    return COUNT


def _result(report: Any, indicator_id: int | None) -> Any:
    if report is None or indicator_id is None:
        return None
    for criterion in report.criteria:
        for result in criterion.indicators:
            if result.indicator.pk == indicator_id:
                return result
    return None


def total_of(kind: str, results: list[Any]) -> tuple[float | None, float, int]:
    """The commune's value over ``results`` (value, summed numerator, summed denominator)."""
    present = [r for r in results if r is not None and r.available]
    if kind == YES:
        return float(sum(1 for r in present if r.value)), 0, 0
    if kind == PERCENT:
        numerator: float = 0
        denominator = 0
        for r in present:
            if r.figure is not None and r.figure.denominator:
                numerator += r.figure.numerator
                denominator += r.figure.denominator
        return (100 * numerator / denominator if denominator else None), numerator, denominator
    values = [_number(r.value) for r in present]
    numbers = [v for v in values if v is not None]
    return (float(sum(numbers)) if numbers else None), 0, 0


def previous_reports(
    *, commune: Commune, criteria_set: CriteriaSet, villages: QuerySet, as_of: date
) -> tuple[str, date, dict[str, Any]]:
    """The reports of the period before ``as_of``: the latest closed period of the commune
    and set that ended before it (its frozen figures), else the end of the previous month
    computed from the records."""
    best: PeriodClose | None = None
    best_day: date | None = None
    for period in PeriodClose.objects.filter(
        commune=commune, criteria_set=criteria_set, is_closed=True
    ).select_related("commune"):
        day = frozen.frozen_as_of(period) or period.ends_on
        if day < as_of and (best_day is None or day > best_day):
            best, best_day = period, day
    if best is not None and best_day is not None:
        reports = frozen.frozen_reports(best)
        label = _("%(period)s (closed period)") % {"period": best}
        return label, best_day, {str(r.village.pk): r for r in reports}
    day = as_of.replace(day=1) - timedelta(days=1)
    live = engine.evaluate(
        criteria_set=criteria_set, villages=engine.existing_on(villages, day), as_of=day
    )
    label = _("the end of last month (%(date)s)") % {"date": date_format(day, "d/m/Y")}
    return label, day, {str(pk): r for pk, r in live.items()}


def compare(
    *,
    criteria_set: CriteriaSet,
    reports: list[Any],
    previous: dict[str, Any] | None = None,
    previous_label: str = "",
    previous_as_of: date | None = None,
) -> Comparison:
    """The table of ``reports`` (in the order given) against the ``previous`` period's."""
    previous = previous or {}
    columns = [i for c in engine.structure(criteria_set) for i in c.indicators.all()]
    by_column = [[_result(r, i.pk) for r in reports] for i in columns]
    kinds = [kind_of(i, results) for i, results in zip(columns, by_column, strict=True)]
    rows = []
    for report in reports:
        before = previous.get(str(report.village.pk))
        rows.append(
            Row(
                report=report,
                previous=before,
                cells=[
                    Cell(kind=kind, result=_result(report, i.pk), previous=_result(before, i.pk))
                    for i, kind in zip(columns, kinds, strict=True)
                ],
            )
        )
    totals = []
    for indicator, kind, results in zip(columns, kinds, by_column, strict=True):
        value, numerator, denominator = total_of(kind, results)
        before = [_result(previous.get(str(r.village.pk)), indicator.pk) for r in reports]
        previous_value = total_of(kind, before)[0] if previous else None
        totals.append(
            Total(
                indicator=indicator,
                kind=kind,
                value=value,
                previous=previous_value,
                villages_passed=sum(1 for r in results if r is not None and r.passed),
                villages=len(reports),
                numerator=numerator,
                denominator=denominator,
            )
        )
    previous_passing = None
    if previous:
        previous_passing = sum(
            1 for r in reports if (p := previous.get(str(r.village.pk))) is not None and p.passed
        )
    return Comparison(
        columns=columns,
        rows=rows,
        totals=totals,
        previous_label=previous_label,
        previous_as_of=previous_as_of,
        previous_passing=previous_passing,
        kinds=kinds,
    )
