from decimal import Decimal
from typing import Any

import pytest

from qrsigns import services
from qrsigns.models import HeritageSite, Sign
from tests.factories import HouseholdFactory, ResidentFactory


@pytest.fixture
def lane_world(world: Any) -> Any:
    """The personas' lane with households, personal data and one consent to show a name."""
    world.household.head_name_public = False
    world.household.digital_address = "HT1867300005A"
    world.household.latitude = Decimal("18.2460000")
    world.household.longitude = Decimal("106.0020000")
    world.household.save()
    world.household.residents.filter(is_head=True).update(
        national_id="042090001234", phone="+84912345678"
    )
    consenting = HouseholdFactory(
        village=world.village,
        lane=world.lane,
        house_number="12",
        digital_address="HT18673000012",
        head_name_public=True,
        latitude=Decimal("18.2465000"),
        longitude=Decimal("106.0030000"),
    )
    ResidentFactory(household=consenting, full_name="Phạm Thị Lành", is_head=True)
    ResidentFactory(household=consenting, full_name="Phạm Văn Con", national_id="042200009999")
    world.consenting = consenting
    return world


@pytest.fixture
def lane_sign(world: Any) -> Sign:
    return services.sign_create(
        village=world.village, kind=Sign.Kind.LANE_START, lane=world.lane, by=None
    )


@pytest.fixture
def site(world: Any) -> HeritageSite:
    return services.heritage_site_save(
        village=world.village,
        by=None,
        name="Đình làng Đông Phú",
        summary="Ngôi đình cổ.",
        history="Dựng cuối thế kỷ XIX.",
        visiting_info="Mở cửa 7:00 - 17:00.",
        latitude=Decimal("18.2461"),
        longitude=Decimal("106.0019"),
    )


@pytest.fixture(autouse=True)
def _fresh_local_pages() -> None:
    """Each test starts without pages kept in this process (the shared cache is cleared too)."""
    from qrsigns.public_views import _LOCAL_PAGES

    _LOCAL_PAGES.clear()
