"""The measures behind indicators: each app registers how to compute its own figures.

A measure computes one figure for many villages at once with database aggregates (a few
queries for all villages, never a loop over households in Python), as of a date, and can list
the records behind the figure. Apps register theirs in ``<app>/measures.py``; the reports app
imports those modules at start-up (``ReportsConfig.ready``).

Example::

    from reports.registry import Figure, Measure, register

    def _compute(villages, as_of):
        rows = Household.objects.filter(village__in=villages, ...).values("village_id")...
        return {village_id: Figure(numerator=n, denominator=d) for ...}

    register(Measure(
        code="households_with_digital_address",
        label=_("Households with a digital address"),
        definition=_("Active households with a digital address code / active households."),
        unit=Measure.PERCENT,
        compute=_compute,
        # The records counted in the numerator and the rest, as they stood on ``as_of``:
        # the same as-of filter as ``_compute``, so that a list has the figure's count.
        records=lambda village, as_of: Household.objects.filter(...),
        missing=lambda village, as_of: Household.objects.filter(...),
    ))
"""

from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from django.db.models import QuerySet


@dataclass(frozen=True)
class Figure:
    """One village's value: ``numerator`` over ``denominator`` (None for a plain count)."""

    numerator: int | float
    denominator: int | None = None

    @property
    def ratio(self) -> float | None:
        if self.denominator is None:
            return None
        if not self.denominator:
            return None
        return self.numerator / self.denominator

    @property
    def percent(self) -> float | None:
        ratio = self.ratio
        return None if ratio is None else 100 * ratio


# villages (a queryset of Village), as_of (a date) -> {village pk: Figure}; villages with no
# data may be missing from the result (read as zero over zero).
Compute = Callable[[QuerySet, date], dict[UUID, Figure]]
# village, as_of -> the records (households, residents, lanes, cameras, ...) behind the figure
# as they counted on ``as_of``.
Records = Callable[[Any, date], QuerySet]


@dataclass(frozen=True)
class Measure:
    PERCENT: ClassVar[str] = "percent"
    COUNT: ClassVar[str] = "count"

    code: str
    label: str
    definition: str
    unit: str
    compute: Compute
    # The records counted in the numerator, and those in the denominator but not the
    # numerator ("what is missing"); None where the figure has no list of records.
    records: Records | None = None
    missing: Records | None = None
    app: str = ""
    # Whether ``records`` and ``missing`` list the records as they counted on a past date (with
    # the same as-of filter as ``compute``). False where they only know today's records: the
    # pages then say so for a past date instead of showing today's list.
    lists_past: bool = True
    # Whether the lists hold the units the figure counts (households, residents, lanes), so
    # that a list's length is the numerator or the rest. False where the figure counts
    # something else (probes of cameras, say): the pages then link the list without a count.
    lists_count: bool = True


MEASURES: dict[str, Measure] = {}


def register(measure: Measure) -> Measure:
    if measure.code in MEASURES and MEASURES[measure.code] is not measure:
        raise ValueError(f"measure {measure.code!r} is registered twice")
    MEASURES[measure.code] = measure
    return measure


def measures(codes: Iterable[str] | None = None) -> list[Measure]:
    if codes is None:
        return list(MEASURES.values())
    return [MEASURES[code] for code in codes]


# Measures of one family (say, every household figure) may share one query within a batch: the
# engine computes all the measures of a report inside ``batch()``, and a measure asks for
# ``shared(key, compute)`` so that the first asks the database and the others reuse the rows.
_batch: ContextVar[dict | None] = ContextVar("reports_measure_batch", default=None)
T = TypeVar("T")


@contextmanager
def batch() -> Iterator[None]:
    token = _batch.set({})
    try:
        yield
    finally:
        _batch.reset(token)


def batching() -> bool:
    """Whether a ``batch()`` is open: the measures of a whole report are being computed."""
    return _batch.get() is not None


def shared(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, once per ``key`` within a ``batch()`` (every time outside one)."""
    cache = _batch.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]
