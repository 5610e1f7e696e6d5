"""Cashless payment on a past date: business households as the registry recorded them then.

The business flag has no date of its own; the registry's history (pghistory events, written
by triggers on PostgreSQL and by the services on SQLite) says what it was on a given day.
"""

import re
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from households import services as registry
from households.history import record, triggers_active
from households.models import HouseholdEvent, Village
from payments.figures import SPEC_BY_CODE
from reports.registry import MEASURES
from tests.factories import HouseholdFactory
from tests.payments.conftest import the_day as _day

pytestmark = pytest.mark.django_db

CASHLESS = "cashless_business"


def _figure(world: Any, day: date) -> tuple[int, int | None]:
    villages = Village.objects.filter(pk=world.village.pk)
    figure = MEASURES[CASHLESS].compute(villages, day).get(world.village.pk)
    return (figure.numerator, figure.denominator) if figure else (0, 0)


def test_a_household_that_became_a_business_after_the_day_is_not_counted_then(
    world: Any, shops: dict
) -> None:
    day = _day()
    measure = MEASURES[CASHLESS]
    # On the day: "stopped" (cashless) and "steady" (not); "became" was not a business yet.
    assert _figure(world, day) == (1, 2)
    assert list(measure.records(world.village, day)) == [shops["stopped"]]
    assert list(measure.missing(world.village, day)) == [shops["steady"]]
    # Today: "became" (cashless) and "steady"; "stopped" is no longer a business household.
    today = timezone.localdate()
    assert _figure(world, today) == (1, 2)
    assert list(measure.records(world.village, today)) == [shops["became"]]
    assert list(measure.missing(world.village, today)) == [shops["steady"]]


def test_a_change_counts_from_the_day_it_was_recorded(world: Any, shops: dict) -> None:
    """The latest recorded state before the end of the day, in the portal's time zone."""
    day = _day()
    # The events written today: the change to a business household.
    today = HouseholdEvent.objects.filter(
        pgh_obj=shops["became"], pgh_created_at__gt=timezone.now() - timedelta(hours=1)
    )
    assert set(today.values_list("is_business", flat=True)) == {True}
    events = HouseholdEvent.objects.filter(pk__in=list(today.values_list("pk", flat=True)))
    late_on_the_day = timezone.make_aware(datetime.combine(day, time(23, 59)))
    events.update(pgh_created_at=late_on_the_day)
    assert _figure(world, day) == (2, 3)
    assert _figure(world, day - timedelta(days=1)) == (1, 2)
    next_midnight = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    events.update(pgh_created_at=next_midnight)
    assert _figure(world, day) == (1, 2)


def test_a_household_without_history_keeps_its_current_flag(world: Any) -> None:
    """Rows loaded without history (generate_population) are read as they are."""
    shop = HouseholdFactory(
        lane=world.lane, village=world.village, house_number="30", is_business=True
    )
    HouseholdEvent.objects.filter(pgh_obj=shop).delete()
    assert _figure(world, _day()) == (0, 1)


def test_a_household_entered_after_the_day_has_the_flag_it_was_entered_with(world: Any) -> None:
    """Counted from its registration date, it has on earlier days its first recorded flag."""
    shop = HouseholdFactory(
        lane=world.lane,
        village=world.village,
        house_number="31",
        is_business=False,
        established_on=date(2020, 1, 1),
    )
    if not triggers_active():
        record([shop], "insert")
    registry.household_update(household=shop, by=None, is_business=True, business_name="Quán")
    assert _figure(world, _day()) == (0, 0)
    assert _figure(world, timezone.localdate()) == (0, 1)


def test_the_counts_are_one_query_by_village_and_by_lane(
    world: Any, shops: dict, django_assert_num_queries: Any
) -> None:
    spec = SPEC_BY_CODE[CASHLESS]
    day = _day()
    with django_assert_num_queries(1):
        by_village = spec.counts(day, villages=[world.village.pk])
    with django_assert_num_queries(1):
        by_lane = spec.counts(day, villages=[world.village.pk], by="lane")
    assert by_village == {world.village.pk: (1, 2)}
    assert by_lane == {world.lane.pk: (1, 2)}


def _row(page: str, code: str) -> tuple[int, int]:
    row = re.search(rf'<tr data-code="{code}">(.*?)</tr>', page, re.S)
    assert row, page
    numbers = re.findall(r">(\d+)</a>", row.group(1))
    return int(numbers[0]), int(numbers[1])


def test_the_figures_page_and_the_api_use_the_flag_of_the_day(
    client: Client, village_head: Any, world: Any, shops: dict
) -> None:
    client.force_login(village_head)
    day = _day()
    page = client.get(reverse("payments_figures"), {"as_of": day.isoformat()})
    assert _row(page.content.decode(), CASHLESS) == (1, 2)
    for show, number in (("records", "21"), ("missing", "22")):
        listing = client.get(
            reverse("payments_figure_list", args=[CASHLESS]),
            {"as_of": day.isoformat(), "show": show},
        ).content.decode()
        houses = re.findall(r'/adoption/households/\d+/">(\d+)</a>', listing)
        assert houses == [number], (show, houses)
    api = APIClient()
    api.force_authenticate(village_head)
    rows = api.get(
        reverse("payments_figure-list"), {"village": world.village.pk, "as_of": day.isoformat()}
    ).json()
    cashless = next(r for r in rows if r["code"] == CASHLESS)
    assert (cashless["adopted"], cashless["total"]) == (1, 2)
