"""The village head manages signs, and a phone without JavaScript opens them, in Chromium."""

import os

import pytest

from qrsigns.models import Sign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_head_creates_signs_switches_one_off_and_a_phone_sees_the_notice(
    page, browser, live_server, village_head, password, world, output_dir
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", village_head.email)
    page.fill("input[name=password]", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")

    page.goto(f"{live_server.url}/signs/")
    page.get_by_role("button", name="Tạo biển").click()
    page.wait_for_url(f"{live_server.url}/signs/")
    rows = page.get_by_test_id("sign-table").locator("tbody tr")
    assert rows.count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=os.path.join(output_dir, "qrsigns-list-360px.png"), full_page=True)

    start = Sign.objects.get(kind="lane_start")
    page.click(f"text={start.code}")
    page.wait_for_url(f"{live_server.url}/signs/{start.code}/")
    assert page.get_by_test_id("scan-chart").count() == 1
    page.get_by_role("button", name="Tắt", exact=True).click()
    page.wait_for_url(f"{live_server.url}/signs/{start.code}/")
    assert "Đã tắt" in page.get_by_test_id("sign-state").inner_text()

    # A phone with JavaScript off scans both signs.
    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, java_script_enabled=False, locale="vi-VN"
    )
    try:
        scan = phone.new_page()
        response = scan.goto(f"{live_server.url}/Q/{start.code}")
        assert response.status == 410
        assert "Biển này không còn được sử dụng" in scan.locator("h1").inner_text()
        end = Sign.objects.get(kind="lane_end")
        scan.goto(f"{live_server.url}/Q/{end.code}")
        assert scan.locator("h1").inner_text() == "Ngõ Văn hóa"
        assert scan.locator("html").get_attribute("lang") == "vi"
        # Readable on the phone: nothing wider than its screen.
        assert scan.evaluate("document.documentElement.scrollWidth") <= 360
        scan.screenshot(path=os.path.join(output_dir, "qrsigns-lane-360px.png"), full_page=True)
    finally:
        phone.close()
