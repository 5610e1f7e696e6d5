"""Deadlines in working hours: office hours on weekdays, minus Vietnamese public holidays.

Office hours follow the commune offices' (7:30-11:30 and 13:00-17:00, Monday to Friday) unless
``FEEDBACK_WORKING_HOURS`` says otherwise, e.g. ``"07:30-11:30,13:00-17:00"``.
"""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

DEFAULT_HOURS = "07:30-11:30,13:00-17:00"


def _periods() -> list[tuple[time, time]]:
    spec = settings.FEEDBACK_WORKING_HOURS or DEFAULT_HOURS
    periods = []
    for part in spec.split(","):
        start, end = part.strip().split("-")
        periods.append((time.fromisoformat(start), time.fromisoformat(end)))
    return sorted(periods)


@lru_cache(maxsize=64)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_hours(start: datetime, hours: float) -> datetime:
    """The moment ``hours`` of office time after ``start`` (an aware datetime)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    local = start.astimezone(zone)
    remaining = timedelta(hours=hours)
    periods = _periods()
    day = local.date()
    for _ in range(3660):  # ten years of days: a bound, never reached with sane settings
        if is_working_day(day):
            for begin, end in periods:
                period_start = datetime.combine(day, begin, zone)
                period_end = datetime.combine(day, end, zone)
                if period_end <= local:
                    continue
                available_from = max(period_start, local)
                available = period_end - available_from
                if remaining <= available:
                    return available_from + remaining
                remaining -= available
        day += timedelta(days=1)
    raise ValueError("no working hours configured")


def working_hours_between(start: datetime, end: datetime) -> float:
    """Office hours between two moments (0 when ``end`` is before ``start``)."""
    if end <= start:
        return 0.0
    zone = ZoneInfo(settings.TIME_ZONE)
    a, b = start.astimezone(zone), end.astimezone(zone)
    total = timedelta()
    day = a.date()
    while day <= b.date():
        if is_working_day(day):
            for begin, finish in _periods():
                lo = max(datetime.combine(day, begin, zone), a)
                hi = min(datetime.combine(day, finish, zone), b)
                if hi > lo:
                    total += hi - lo
        day += timedelta(days=1)
    return total.total_seconds() / 3600
