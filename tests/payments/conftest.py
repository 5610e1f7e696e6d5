"""Fixtures of the adoption tests: a household with members of every age group."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.factories import HouseholdFactory, ResidentFactory


def years_ago(years: int, days: int = 0) -> date:
    today = timezone.localdate()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:
        day = today.replace(year=today.year - years, day=28)
    return day - timedelta(days=days)


@pytest.fixture
def family(world: Any) -> dict[str, Any]:
    """World's household 5A: a head of 40, a grandmother of 70, a child of 10, a youth of 16."""
    household = world.household
    head, spouse = list(household.residents.order_by("-is_head", "pk"))
    head.birth_date = years_ago(40)
    head.save()
    spouse.birth_date = years_ago(70)
    spouse.save()
    child = ResidentFactory(
        household=household, full_name="Nguyễn Văn Cường", birth_date=years_ago(10)
    )
    youth = ResidentFactory(
        household=household, full_name="Nguyễn Thị Dung", birth_date=years_ago(16)
    )
    return {"household": household, "head": head, "elder": spouse, "child": child, "youth": youth}


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
