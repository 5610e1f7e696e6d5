"""A resident files a report from a phone; the village head acknowledges it. Real Chromium."""

import os
from typing import Any

import pytest

from feedback.models import Photo, Report
from tests.feedback.conftest import jpeg_with_gps

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_reports_with_a_pin_and_a_photo_and_the_head_acknowledges_it(
    page: Any,
    live_server: Any,
    village: Any,
    world: Any,
    village_head: Any,
    password: str,
    output_dir: str,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MAP_TILE_URL = "http://127.0.0.1:9/{z}/{x}/{y}.png"  # no tiles: the pin still works
    village.latitude, village.longitude = 18.2461, 106.0021
    village.save()
    photo = tmp_path / "IMG_2041.jpg"
    photo.write_bytes(jpeg_with_gps((1200, 900)))

    page.goto(f"{live_server.url}/feedback/{village.pk}/new/?sign=Q7K2M9&lane={world.lane.pk}")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.select_option("select[name=category]", label="Đường và chiếu sáng")
    page.fill("textarea[name=description]", "Đèn đường đầu ngõ không sáng <b>ba hôm</b>")
    page.set_input_files("input[name=photos]", str(photo))
    page.wait_for_selector("#report-map:not([hidden])")
    page.locator("#report-map").click(position={"x": 150, "y": 100})
    page.wait_for_selector("#report-map[data-pinned]")
    assert page.input_value("input[name=latitude]") != ""
    page.fill("input[name=email]", "cudan@example.com")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=os.path.join(output_dir, "feedback-form-360px.png"), full_page=True)
    page.click("[data-testid=report-submit]")
    page.wait_for_selector("[data-testid=tracking-code]")
    code = page.get_by_test_id("tracking-code").inner_text()
    report = Report.objects.get(tracking_code=code)
    assert report.lane == world.lane and report.sign_code == "Q7K2M9"
    assert report.latitude is not None
    assert Photo.objects.filter(report=report).count() == 1

    context = page.context.browser.new_context(viewport={"width": 1024, "height": 800})
    staff = context.new_page()
    staff.goto(f"{live_server.url}/accounts/login/")
    staff.fill("input[name=login]", village_head.email)
    staff.fill("input[name=password]", password)
    staff.click("[data-testid=login-submit]")
    staff.wait_for_url(f"{live_server.url}/dashboard/")
    assert staff.get_by_test_id("feedback-open").inner_text() == "1"
    staff.goto(f"{live_server.url}/feedback/")
    row = staff.get_by_test_id("feedback-row")
    assert "Đèn đường đầu ngõ" in row.inner_text() and "chưa giao ai" in row.inner_text()
    assert row.locator("img.triage__thumb").count() == 1
    staff.screenshot(
        path=os.path.join(output_dir, "feedback-staff-list-1024px.png"), full_page=True
    )
    staff.set_viewport_size({"width": 360, "height": 740})
    assert staff.evaluate("document.documentElement.scrollWidth") <= 360
    staff.screenshot(path=os.path.join(output_dir, "feedback-staff-list-360px.png"), full_page=True)
    staff.set_viewport_size({"width": 1024, "height": 800})
    staff.click(f"text={code}")
    staff.select_option("select[name=status]", "acknowledged")
    staff.fill("[data-testid=transition-form] textarea[name=text]", "Chiều nay thợ điện đến.")
    staff.click("[data-testid=transition-submit]")
    staff.wait_for_selector(".message")
    staff.screenshot(path=os.path.join(output_dir, "feedback-staff-detail.png"), full_page=True)
    context.close()

    page.goto(f"{live_server.url}/feedback/track/{code}/")
    assert page.get_by_test_id("status").inner_text() == "Đã tiếp nhận"
    assert "Chiều nay thợ điện đến." in page.get_by_test_id("history").inner_text()
    assert "<b>ba hôm</b>" in page.get_by_test_id("description").inner_text()


def test_the_public_board_numbers_each_pin_as_in_the_list(
    page: Any, live_server: Any, village: Any, world: Any, output_dir: str, settings: Any
) -> None:
    from feedback import services
    from feedback.models import Category
    from tests.browser.conftest import LAPTOP, PHONE, layout_problems
    from tests.feedback.conftest import make_report

    settings.MAP_TILE_URL = "http://127.0.0.1:9/{z}/{x}/{y}.png"  # no tiles: the pins still show
    services.categories_ensure_defaults(village=village)
    category = Category.objects.get(village=village, code="roads")
    # Close together, as reports in one lane are: each pin must still carry its own number.
    spots = [(18.2461, 106.0021), (18.2462, 106.0022), (18.2500, 106.0100), (18.2430, 105.9990)]
    for n, (lat, lon) in enumerate(spots):
        make_report(village, category, latitude=lat, longitude=lon, description=f"Việc số {n}")
    make_report(village, category, description="Không có vị trí")

    for viewport in (PHONE, LAPTOP):
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}/feedback/{village.pk}/board/")
        page.wait_for_selector("#feedback-map [data-testid=pin]")
        listed = {
            li.get_attribute("data-n"): li.locator("a").first.get_attribute("href")
            for li in page.locator("[data-testid=board] > li[data-n]").all()
        }
        assert len(listed) == 5
        pins = page.locator("#feedback-map [data-testid=pin]")
        assert pins.count() == 4
        frame = page.locator("#feedback-map").bounding_box()
        for i in range(pins.count()):
            pin = pins.nth(i)
            number = pin.get_attribute("data-n")
            # The number a person reads on the pin is the one in the list...
            assert pin.inner_text() == number
            box = pin.bounding_box()
            assert frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"]
            assert (
                frame["y"] <= box["y"] and box["y"] + box["height"] <= frame["y"] + frame["height"]
            )
            # ...and the pin opens the report listed under that number.
            pin.dispatch_event("click")
            link = page.locator(".leaflet-popup-content a").last
            assert link.get_attribute("href") == listed[number]
            assert link.inner_text().startswith(f"{number}. ")
        assert layout_problems(page) == []
        page.screenshot(
            path=os.path.join(output_dir, f"feedback-board-{viewport['width']}px.png"),
            full_page=True,
        )
