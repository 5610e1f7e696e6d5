"""The adoption section of the public village home page: aggregates only, small ones hidden."""

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from payments import services
from payments.models import Item, Method, Value
from tests.factories import HouseholdFactory, ResidentFactory, years_ago

pytestmark = pytest.mark.django_db(transaction=True)

NAMES = ["Phạm Văn Một", "Phạm Thị Hai", "Đỗ Văn Ba", "Vũ Thị Bốn", "Hoàng Văn Năm"]


@pytest.fixture
def street(world: Any) -> dict[str, Any]:
    """World's 5A, five more households of one working-age resident each, and one shop."""
    households = [world.household]
    for number, name in enumerate(NAMES, start=10):
        household = HouseholdFactory(
            lane=world.lane, village=world.village, house_number=str(number)
        )
        ResidentFactory(household=household, full_name=name, is_head=True, birth_date=years_ago(30))
        households.append(household)
    shop = HouseholdFactory(
        lane=world.lane,
        village=world.village,
        house_number="99",
        is_business=True,
        business_name="Tạp hóa Kín Đáo",
    )
    ResidentFactory(household=shop, full_name="Lê Văn Chủ", is_head=True, birth_date=years_ago(45))
    return {"households": households, "shop": shop}


def _section(client: Client, village: Any) -> str:
    html = client.get(reverse("qrsigns_village", kwargs={"village_id": village.pk})).content
    match = re.search(r'<section class="public-adoption".*?</section>', html.decode(), re.S)
    return match.group(0) if match else ""


def _record(household: Any, item: str, value: str, by: Any, resident: Any = None) -> None:
    services.adoption_record(
        household=household,
        entries=[services.Entry(item=item, value=value, resident=resident)],
        observed_on=timezone.localdate(),
        method=Method.SEEN,
        by=by,
    )


def test_the_public_page_shows_figures_with_denominators_and_no_one(
    client: Client, world: Any, street: dict, digital_team: Any
) -> None:
    before = _section(client, world.village)
    assert "0%" in before and "Internet cáp quang" in before  # 0 of 7 households: shown, cached
    for household in street["households"]:
        _record(household, Item.FIBRE, Value.YES, digital_team)
    _record(street["shop"], Item.CASHLESS, Value.YES, digital_team)

    section = _section(client, world.village)  # the recording bumped the page's version
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))
    assert "86% Internet cáp quang" in text
    assert "6 trên 7 hộ đang cư trú" in text
    # One business household: too few to show without telling what that shop does.
    assert "Thanh toán không dùng tiền mặt" not in text
    for name in [*NAMES, "Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Chủ", "Tạp hóa Kín Đáo"]:
        assert name not in section
    assert "5A" not in text and " 99" not in text
    page = client.get(reverse("qrsigns_village", kwargs={"village_id": world.village.pk}))
    for name in [*NAMES, "Lê Văn Chủ", "Tạp hóa Kín Đáo"]:
        assert name not in page.content.decode()


def test_a_village_with_too_few_households_shows_no_adoption_figure(
    client: Client, world: Any, digital_team: Any
) -> None:
    _record(world.household, Item.FIBRE, Value.YES, digital_team)
    assert _section(client, world.village) == ""
    assert _section(client, world.other_village) == ""
