import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import HouseholdFactory, ResidentFactory, VillageFactory

pytestmark = pytest.mark.django_db


def _page(user, **headers) -> str:
    client = Client(**headers)
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_dashboard_counts_the_current_villages_registry(village_head, world) -> None:
    page = _page(village_head)
    assert 'data-testid="count-households">1<' in page
    assert 'data-testid="count-residents">2<' in page
    assert 'data-testid="count-lanes">1<' in page
    assert world.other_village.name not in page


def test_it_speaks_vietnamese_even_to_an_english_browser(village_head) -> None:
    page = _page(village_head, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="vi">' in page
    assert "Hộ gia đình" in page
    assert "Trưởng thôn" in page


def test_english_is_one_click_away_and_sticks(village_head) -> None:
    client = Client()
    client.force_login(village_head)
    client.post(reverse("set_language"), {"language": "en", "next": "/dashboard/"})
    page = client.get(reverse("dashboard")).content.decode()
    assert '<html lang="en">' in page
    assert "Households" in page
    assert "Village head" in page


def test_a_commune_official_sees_the_villages_of_the_commune_side_by_side(
    commune_official, village
) -> None:
    sibling = VillageFactory(commune=village.commune, name="Thôn Bên Cạnh")
    ResidentFactory(household=HouseholdFactory(village=sibling, lane__village=sibling))
    page = _page(commune_official)
    assert "Thôn Bên Cạnh" in page
    assert village.name in page


def test_the_number_of_queries_does_not_grow_with_the_registry(village_head, village) -> None:
    """The dashboard (with every app's tiles) costs the same queries for 1 or 31 households."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(village_head)
    client.get(reverse("dashboard"))

    def queries() -> int:
        cache.clear()  # tiles that cache their figures compute them again
        client.get(reverse("dashboard"))  # the session and the village switcher settle
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("dashboard")).status_code == 200
        return len(captured)

    before = queries()
    for _ in range(30):
        ResidentFactory(household=HouseholdFactory(village=village, lane__village=village))
    assert queries() == before
    assert before <= 60  # a few per app and per indicator, never per household


def test_error_pages_are_in_vietnamese(officer) -> None:
    client = Client()
    client.force_login(officer)
    page = client.get("/khong-co-trang-nay/")
    assert page.status_code == 404
    assert "Không tìm thấy trang" in page.content.decode()
    forbidden = client.get(reverse("invitation_list"))
    assert forbidden.status_code == 403
    assert "không được phép" in forbidden.content.decode()


def test_the_server_error_page_is_in_vietnamese_and_safe(db) -> None:
    from villageportal.errors import server_error

    response = server_error(None)
    assert response.status_code == 500
    assert "Đã có lỗi" in response.content.decode()


def test_the_home_page_is_public_and_sends_staff_to_their_dashboard(village_head, resident) -> None:
    assert Client().get(reverse("home")).status_code == 200
    client = Client()
    client.force_login(village_head)
    assert client.get(reverse("home")).headers["Location"] == reverse("dashboard")
    client = Client()
    client.force_login(resident)
    assert client.get(reverse("home")).status_code == 200
