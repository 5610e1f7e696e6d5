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
