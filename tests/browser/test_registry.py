"""The registry in a real browser: search and the map, on a phone-sized screen."""

import os

import pytest

from households.services import households_reindex

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, user, password) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")


def test_search_without_diacritics_and_the_map_without_tiles(
    page, live_server, officer, password, world, output_dir, settings
) -> None:
    # Tiles from a server that does not answer: markers must still show.
    settings.MAP_TILE_URL = "http://127.0.0.1:9/{z}/{x}/{y}.png"
    household = world.household
    household.latitude, household.longitude = 18.2461, 106.0021
    household.save()
    households_reindex([household.pk])
    _sign_in(page, live_server, officer, password)

    page.goto(f"{live_server.url}/registry/households/?q=nguyen+van+an")
    assert page.locator("table").inner_text().count("5A") == 1
    page.screenshot(path=os.path.join(output_dir, "household-search-360px.png"), full_page=True)

    page.goto(f"{live_server.url}/registry/households/map/")
    page.wait_for_selector("#household-map[data-markers]")
    assert page.get_attribute("#household-map", "data-markers") == "1"
    assert page.locator(".leaflet-interactive").count() == 1
    page.screenshot(path=os.path.join(output_dir, "household-map-no-tiles.png"), full_page=True)


def test_a_household_on_a_phone_shows_member_actions_and_a_history_in_names(
    page, live_server, officer, password, world, output_dir
) -> None:
    import re

    from households import services
    from households.history import change_context
    from tests.browser.conftest import LAPTOP, PHONE, layout_problems, sign_in

    with change_context(user=officer, source="web"):
        household = services.household_create(
            village=world.village,
            by=officer,
            lane=world.lane,
            house_number="12",
            head={"full_name": "Đỗ Văn Hải", "phone": "0912345678"},
        )
        services.resident_add(household=household, by=officer, full_name="Đỗ Thị Hạnh")
    sign_in(page, live_server, officer, password)
    for viewport in (PHONE, LAPTOP):
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}/registry/households/{household.pk}/")
        assert layout_problems(page) == []
        actions = page.get_by_test_id("member-actions")
        assert actions.count() == 2
        for row in range(2):
            links = actions.nth(row).locator("a")
            assert links.all_inner_texts() == ["Sửa", "Chuyển hộ", "Rời hộ", "Xóa"]
            for i in range(4):
                box = links.nth(i).bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
        history = page.get_by_test_id("history").inner_text()
        assert "Thôn Đông Phú" in history and "Trần Thị Hoa" in history
        assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", history)
        page.screenshot(
            path=os.path.join(output_dir, f"household-detail-{viewport['width']}px.png"),
            full_page=True,
        )
