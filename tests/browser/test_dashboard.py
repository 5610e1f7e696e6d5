"""The village head's first minute, in a real Chromium on a 360-px-wide phone screen."""

import os

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_village_head_signs_in_sees_the_dashboard_switches_language_and_signs_out(
    page, live_server, village_head, password, world, output_dir
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    # The browser asks for English; the portal still speaks Vietnamese first.
    assert page.locator("html").get_attribute("lang") == "vi"
    page.fill("input[name=login]", village_head.email)
    page.fill("input[name=password]", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")

    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_test_id("current-village").inner_text() == world.village.name
    assert page.get_by_test_id("current-role").inner_text() == "Trưởng thôn"
    assert page.get_by_test_id("count-households").inner_text() == "1"
    assert page.get_by_test_id("count-residents").inner_text() == "2"
    # Readable on a phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=os.path.join(output_dir, "dashboard-vi-360px.png"), full_page=True)

    page.click("summary")
    page.get_by_test_id("language-en").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Dashboard of" in page.get_by_test_id("dashboard-title").inner_text()
    assert page.get_by_test_id("current-role").inner_text() == "Village head"
    page.screenshot(path=os.path.join(output_dir, "dashboard-en-360px.png"), full_page=True)

    page.click("summary")
    page.get_by_test_id("logout").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("a[href='/accounts/login/']").count() >= 1
    page.goto(f"{live_server.url}/dashboard/")
    assert "/accounts/login/" in page.url


def test_a_resident_signs_in_on_a_phone_and_lands_on_their_home(
    page, live_server, resident, password, world, output_dir
) -> None:
    member = world.household.residents.get(full_name="Trần Thị Bình")
    member.account = resident
    member.save()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", resident.email)
    page.fill("input[name=password]", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{live_server.url}/")

    assert page.locator("h1").inner_text() == "Xin chào, Võ Thị Mai"
    assert "5A" in page.get_by_test_id("home-household").inner_text()
    assert page.get_by_test_id("home-announcements").is_visible()
    assert page.get_by_test_id("home-reports").is_visible()
    assert world.village.name in page.get_by_test_id("home-office").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=os.path.join(output_dir, "resident-home-360px.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.screenshot(path=os.path.join(output_dir, "resident-home-1366px.png"), full_page=True)


def test_the_staff_dashboard_and_header_fit_a_phone_and_a_laptop(
    page, live_server, village_head, password, world, output_dir
) -> None:
    from datetime import date

    from households.models import Village
    from tests.browser.conftest import LAPTOP, PHONE, layout_problems, sign_in
    from tests.reports.factories import small_set

    Village.objects.update(valid_from=date(2020, 1, 1))
    small_set(("Địa chỉ số", "measure", "households_digital_address", "percent", 50))
    sign_in(page, live_server, village_head, password)
    page.wait_for_url(f"{live_server.url}/dashboard/")
    for viewport in (PHONE, LAPTOP):
        page.set_viewport_size(viewport)
        tile = page.get_by_test_id("tile-criteria")
        assert tile.inner_text().startswith("0/1")
        # The figure stays inside its box, and the box inside the page.
        assert tile.evaluate(
            "e => e.scrollWidth <= e.clientWidth && e.scrollHeight <= e.clientHeight"
        )
        box = tile.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
        assert layout_problems(page) == []
        # The header is one row: under a tenth of a phone's height, the menu in it.
        header = page.locator("header.topbar").bounding_box()
        assert header["height"] <= 0.1 * PHONE["height"], header
        menu = page.locator("details.menu summary").bounding_box()
        assert menu["y"] + menu["height"] <= header["height"]
        page.screenshot(
            path=os.path.join(output_dir, f"dashboard-criteria-{viewport['width']}px.png"),
            full_page=True,
        )
    # The menu opens without any script, and its panel fits the phone.
    page.set_viewport_size(PHONE)
    page.click("details.menu summary")
    panel = page.locator(".menu__panel").bounding_box()
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= PHONE["width"]
    assert page.locator(".menu__panel a[href='/registry/households/']").is_visible()
    page.screenshot(path=os.path.join(output_dir, "staff-menu-open-360px.png"))


STAFF_PAGES = [
    "/dashboard/",
    "/registry/households/",
    "/registry/households/{household}/",
    "/registry/lanes/",
    "/registry/import/",
    "/adoption/",
    "/adoption/figures/",
    "/adoption/qr/",
    "/adoption/visits/",
    "/announcements/manage/",
    "/announcements/groups/",
    "/announcements/speakers/",
    "/cameras/",
    "/cameras/map/",
    "/cameras/coverage/",
    "/feedback/",
    "/feedback/categories/",
    "/feedback/stats/",
    "/signs/",
    "/signs/scans/",
    "/signs/sheets/",
    "/reports/",
    "/reports/sets/",
    "/team/invitations/",
]


def test_no_staff_page_hides_a_column_or_scrolls_sideways_on_a_phone(
    page, live_server, village_head, password, family, output_dir, settings
) -> None:
    from datetime import date

    from feedback import services as feedback
    from households.models import Village
    from tests.browser.conftest import layout_problems, sign_in
    from tests.cameras.factories import CameraFactory
    from tests.reports.factories import small_set

    settings.MAP_TILE_URL = "http://127.0.0.1:9/{z}/{x}/{y}.png"
    world_household = family["household"]
    Village.objects.update(valid_from=date(2020, 1, 1))
    small_set(("Địa chỉ số", "measure", "households_digital_address", "percent", 50))
    feedback.categories_ensure_defaults(village=world_household.village)
    CameraFactory(
        village=world_household.village,
        name="Camera cổng làng",
        lane=world_household.lane,
        latitude=18.2461,
        longitude=106.0021,
    )
    sign_in(page, live_server, village_head, password)
    problems = {}
    for path in STAFF_PAGES:
        url = live_server.url + path.format(household=world_household.pk)
        response = page.goto(url)
        assert response.status == 200, path
        found = layout_problems(page)
        if found:
            problems[path] = found
            name = path.strip("/").replace("/", "-") or "home"
            page.screenshot(path=os.path.join(output_dir, f"too-wide-{name}-360px.png"))
    assert problems == {}
