"""Fixtures of the adoption tests: shops and business histories (``family`` is shared)."""

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from households import services as registry
from households.history import record, triggers_active
from households.models import Household, HouseholdEvent
from payments.models import Observation
from tests.factories import HouseholdFactory, ResidentFactory, years_ago


@pytest.fixture
def shop(world: Any) -> Any:
    household = HouseholdFactory(
        lane=world.lane,
        village=world.village,
        house_number="12",
        is_business=True,
        business_name="Tạp hóa Bình An",
        business_kind="retail",
    )
    ResidentFactory(
        household=household, full_name="Lê Văn Bình", is_head=True, birth_date=years_ago(45)
    )
    return household


def the_day() -> date:
    """The past day the business-history tests look at."""
    return timezone.localdate() - timedelta(days=10)


def registered_before(world: Any, number: str, *, business: bool) -> Household:
    """A household of the world's village registered long before the day looked at."""
    household = HouseholdFactory(
        lane=world.lane,
        village=world.village,
        house_number=number,
        is_business=business,
        business_name=f"Cửa hàng {number}" if business else "",
    )
    ResidentFactory(household=household, full_name=f"Chủ hộ {number}", is_head=True)
    if not triggers_active():
        record([household], "insert")
    long_ago = timezone.make_aware(datetime.combine(the_day() - timedelta(days=100), time(9)))
    HouseholdEvent.objects.filter(pgh_obj=household).update(pgh_created_at=long_ago)
    return household


def _cashless(household: Household, value: str, day: date) -> None:
    # Written as stored rows, past the service: the figures must leave out a value of a
    # household that was not a business household on the day, however it got there (the
    # service refuses to record one, as "became" on the day looked at).
    Observation.objects.create(
        village=household.village,
        household=household,
        item="cashless",
        value=value,
        adopted=value == "yes",
        observed_on=day,
        method="seen",
    )


@pytest.fixture
def shops(world: Any) -> dict[str, Household]:
    """Three households: one became a business after the day, one stopped, one did not change."""
    became = registered_before(world, "20", business=False)
    stopped = registered_before(world, "21", business=True)
    steady = registered_before(world, "22", business=True)
    day = the_day()
    _cashless(became, "yes", day - timedelta(days=5))
    _cashless(stopped, "yes", day - timedelta(days=5))
    _cashless(steady, "no", day - timedelta(days=5))
    # Both changes are made today, after the day, through the registry's service.
    registry.household_update(
        household=became, by=None, is_business=True, business_name="Quán mới", business_kind=""
    )
    registry.household_update(household=stopped, by=None, is_business=False)
    return {"became": became, "stopped": stopped, "steady": steady}
