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
