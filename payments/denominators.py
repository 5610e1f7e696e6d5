"""Who counts on a date: the denominators of the adoption figures, and the value as of a date.

Ages are in completed years on the date, from the birth date; a resident without a birth date
is left out of the age-based groups (their age is unknown) but counts among "all residents".

Working age is taken as 15 to 59 completed years for everyone. The Labour Code of 2019 raises
the retirement age step by step from 2021 (men 60 years 3 months in 2021 to 62 in 2028, women
55 years 4 months to 60 in 2035); the single 15-59 band is the simplification that the commune
reports use, and keeps the figure comparable across years.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.db.models import (
    BooleanField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from households.models import Household, Resident
from payments.models import Observation

WORKING_AGE_FROM = 15
WORKING_AGE_BELOW = 60
ADULT_AGE = 18
VNEID_AGE = 14


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


@dataclass(frozen=True)
class AgeBand:
    """Ages ``low`` (inclusive) to ``high`` (exclusive, None for no limit)."""

    low: int = 0
    high: int | None = None

    def q(self, day: date, prefix: str = "") -> Q:
        if self.low == 0 and self.high is None:
            return Q()
        q = Q(**{f"{prefix}birth_date__lte": years_before(day, self.low)})
        if self.high is not None:
            q &= Q(**{f"{prefix}birth_date__gt": years_before(day, self.high)})
        return q

    def contains(self, birth_date: date | None, day: date) -> bool:
        if self.low == 0 and self.high is None:
            return True
        if birth_date is None:
            return False
        age = age_on(birth_date, day)
        return age >= self.low and (self.high is None or age < self.high)


ALL_AGES = AgeBand()
AGED_14_PLUS = AgeBand(VNEID_AGE)
WORKING_AGE = AgeBand(WORKING_AGE_FROM, WORKING_AGE_BELOW)
ADULTS = AgeBand(ADULT_AGE)


def household_active_q(day: date, prefix: str = "") -> Q:
    """Households of the registry that were active on ``day``.

    Read from the registry's own dates (registered since, status changed on), not from its
    history as the reports app's household measures are: adoption values carry the date they
    were observed, and official lists from before a village started using the portal are
    imported with their dates; their households must count on those dates, while the history
    only starts when a household is entered (the demo's and generated households have none
    before today). The business flag, which has no date of its own, is read from the history
    (``was_business_on``).
    """
    p = prefix
    return (
        Q(**{f"{p}deleted_at__isnull": True})
        & (Q(**{f"{p}established_on__isnull": True}) | Q(**{f"{p}established_on__lte": day}))
        & (Q(**{f"{p}status": Household.Status.ACTIVE}) | Q(**{f"{p}status_changed_on__gt": day}))
    )


def households_active_on(day: date) -> QuerySet:
    return Household.objects.filter(household_active_q(day))


def end_of_day(day: date) -> datetime:
    """The first instant after ``day`` in the portal's time zone."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def was_business_on(day: date) -> Any:
    """Whether the outer household was a business household on ``day``, as recorded then.

    The flag has no date of its own; the registry's history (django-pghistory events:
    written by triggers on PostgreSQL, by the registry's services on SQLite) dates each of
    its values. On a past day it is the flag of the household's latest event before the end
    of that day. A household whose first event comes later (entered into the portal after
    the day, yet counted from its registration date) takes the flag it was first recorded
    with; one without any event (rows loaded without history) keeps its current flag. As of
    today the current flag is the latest state: no history is read.
    """
    if day >= timezone.localdate():
        return F("is_business")
    events = apps.get_model("households", "HouseholdEvent").objects.filter(pgh_obj=OuterRef("pk"))
    then = events.filter(pgh_created_at__lt=end_of_day(day)).order_by("-pgh_created_at", "-pgh_id")
    first = events.order_by("pgh_created_at", "pgh_id")
    return Coalesce(
        Subquery(then.values("is_business")[:1], output_field=BooleanField()),
        Subquery(first.values("is_business")[:1], output_field=BooleanField()),
        F("is_business"),
        output_field=BooleanField(),
    )


# Distinct days per statement of ``business_flags`` (SQLite allows 500 terms in a UNION).
FLAG_DAYS_PER_QUERY = 200


def business_flags(pairs: Iterable[tuple[int, date]]) -> dict[tuple[int, date], bool]:
    """Whether each (household id, day) was a business household on that day, by the rule of
    ``was_business_on``, the one the past-date figures count with.

    One statement for the lot (one UNION branch per distinct day; a new statement only past
    ``FLAG_DAYS_PER_QUERY`` distinct days), so that recording a value and importing a list of
    any length ask the same question as the figures without a query per row. A household that
    does not exist is left out of the answer.
    """
    by_day: dict[date, set[int]] = defaultdict(set)
    for pk, day in pairs:
        by_day[day].add(pk)
    days = sorted(by_day)
    answer: dict[tuple[int, date], bool] = {}
    for start in range(0, len(days), FLAG_DAYS_PER_QUERY):
        chunk = days[start : start + FLAG_DAYS_PER_QUERY]
        branches = [
            Household.objects.filter(pk__in=sorted(by_day[day]))
            .order_by()
            .annotate(day_index=Value(index, output_field=IntegerField()))
            .annotate(was_business=was_business_on(day))
            .values_list("pk", "day_index", "was_business")
            for index, day in enumerate(chunk)
        ]
        rows = branches[0].union(*branches[1:], all=True) if len(branches) > 1 else branches[0]
        for pk, index, flag in rows:
            answer[(pk, chunk[index])] = bool(flag)
    return answer


def business_households_on(day: date) -> QuerySet:
    """Active households on ``day`` that were business households on that day."""
    if day >= timezone.localdate():
        return households_active_on(day).filter(is_business=True)
    return (
        households_active_on(day).alias(was_business=was_business_on(day)).filter(was_business=True)
    )


def residents_present_on(day: date, band: AgeBand = ALL_AGES) -> QuerySet:
    """Residents living in an active household on ``day`` (joined by then, not yet left)."""
    return Resident.objects.filter(
        Q(deleted_at__isnull=True),
        Q(joined_on__isnull=True) | Q(joined_on__lte=day),
        Q(left_on__isnull=True) | Q(left_on__gt=day),
        household_active_q(day, "household__"),
        band.q(day),
    )


def latest_observation(*, item: str, day: date, subject: str) -> QuerySet:
    """The latest observation of ``item`` on or before ``day`` for the outer row (a subquery)."""
    lookup = (
        {"resident": OuterRef("pk")}
        if subject == "resident"
        else {
            "household": OuterRef("pk"),
            "resident__isnull": True,
        }
    )
    return Observation.objects.filter(item=item, observed_on__lte=day, **lookup).order_by(
        "-observed_on", "-recorded_at", "-pk"
    )


def with_adopted(queryset: QuerySet, *, item: str, day: date, subject: str) -> QuerySet:
    """``queryset`` annotated with ``adopted``: never observed counts as not adopted."""
    latest = latest_observation(item=item, day=day, subject=subject)
    return queryset.annotate(
        adopted=Coalesce(
            Subquery(latest.values("adopted")[:1], output_field=BooleanField()), Value(False)
        )
    )


def with_latest(queryset: QuerySet, *, item: str, day: date, subject: str) -> QuerySet:
    """``queryset`` annotated with the latest ``value`` and ``reason`` of ``item`` on ``day``."""
    latest = latest_observation(item=item, day=day, subject=subject)
    return queryset.annotate(
        latest_value=Subquery(latest.values("value")[:1]),
        latest_reason=Subquery(latest.values("reason")[:1]),
        latest_on=Subquery(latest.values("observed_on")[:1]),
    )
