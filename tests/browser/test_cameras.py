"""The camera map and list in Chromium, on a phone-sized screen."""

import os

import pytest

from cameras.models import CameraState, Status
from tests.cameras.factories import CameraFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_map_colours_cameras_by_status_without_tiles(
    page, live_server, security_officer, password, world, output_dir, settings
) -> None:
    settings.MAP_TILE_URL = "http://127.0.0.1:9/{z}/{x}/{y}.png"
    statuses = {"Cổng làng": Status.ONLINE, "Chợ": Status.OFFLINE, "Cầu": Status.DEGRADED}
    for n, (name, status) in enumerate(statuses.items()):
        camera = CameraFactory(
            village=world.village,
            name=name,
            lane=world.lane,
            latitude=f"18.246{n}",
            longitude=f"106.002{n}",
        )
        CameraState.objects.filter(camera=camera).update(status=status)
    CameraFactory(village=world.village, name="Chưa định vị")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", security_officer.email)
    page.fill("input[name=password]", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert page.inner_text("[data-testid=cameras-working]") == "2/4"

    page.goto(f"{live_server.url}/cameras/map/")
    page.wait_for_selector("#camera-map[data-markers]")
    assert page.get_attribute("#camera-map", "data-markers") == "3"
    assert page.locator(".cam-marker--online").count() == 1
    assert page.locator(".cam-marker--offline").count() == 1
    assert page.locator(".cam-marker--degraded").count() == 1
    page.screenshot(path=os.path.join(output_dir, "camera-map-360px.png"), full_page=True)

    page.goto(f"{live_server.url}/cameras/")
    page.select_option("select[name=status]", "offline")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/cameras/?*status=offline*")
    table = page.inner_text("[data-testid=camera-table]")
    assert "Chợ" in table and "Cổng làng" not in table
    page.screenshot(path=os.path.join(output_dir, "camera-list-360px.png"), full_page=True)


def test_the_camera_map_fits_every_camera_and_the_list_starts_with_offline_ones(
    page, live_server, security_officer, password, world, output_dir, settings
) -> None:
    from tests.browser.conftest import LAPTOP, PHONE, all_inside, layout_problems, sign_in

    settings.MAP_TILE_URL = "http://127.0.0.1:9/{z}/{x}/{y}.png"
    # Spread over a few kilometres, the farthest ones first and last.
    places = {
        "Cổng làng": (18.2300, 105.9800, Status.ONLINE),
        "Chợ": (18.2461, 106.0021, Status.OFFLINE),
        "Cầu": (18.2650, 106.0300, Status.DEGRADED),
        "Nhà văn hóa": (18.2470, 106.0030, Status.ONLINE),
    }
    for name, (lat, lon, status) in places.items():
        camera = CameraFactory(
            village=world.village, name=name, lane=world.lane, latitude=lat, longitude=lon
        )
        CameraState.objects.filter(camera=camera).update(status=status)
    sign_in(page, live_server, security_officer, password)
    for viewport in (PHONE, LAPTOP):
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}/cameras/map/")
        page.wait_for_selector("#camera-map[data-markers]")
        markers = page.locator("#camera-map .cam-marker")
        assert markers.count() == 4
        assert all_inside(page, markers, page.locator("#camera-map"))
        page.screenshot(
            path=os.path.join(output_dir, f"camera-map-fit-{viewport['width']}px.png"),
            full_page=True,
        )
        page.goto(f"{live_server.url}/cameras/")
        rows = page.locator("[data-testid=camera-table] tbody tr")
        assert "Chợ" in rows.nth(0).inner_text()  # offline first
        assert "Cầu" in rows.nth(1).inner_text()  # then the one that comes and goes
        assert layout_problems(page) == []
        page.screenshot(
            path=os.path.join(output_dir, f"camera-list-{viewport['width']}px.png"),
            full_page=True,
        )
