"""A resident files a report from a phone; the village head acknowledges it. Real Chromium."""

import os
from typing import Any

import pytest

from feedback.models import Category, Photo, Report
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


def test_the_form_asks_a_category_its_own_questions_and_places_the_pin_from_the_phone(
    browser: Any,
    live_server: Any,
    village: Any,
    world: Any,
    output_dir: str,
    settings: Any,
) -> None:
    from feedback import services

    settings.MAP_TILE_URL = "http://127.0.0.1:9/{z}/{x}/{y}.png"  # no tiles: the pin still works
    village.latitude, village.longitude = 18.2461, 106.0021
    village.save()
    services.categories_ensure_defaults(village=village)
    water = Category.objects.get(village=village, code="water")
    services.question_add(category=water, label="Số đồng hồ nước", required=True)
    here = {"latitude": 18.2468, "longitude": 106.0030}
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale="vi-VN",
        geolocation=here,
        permissions=["geolocation"],
        has_touch=True,
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/feedback/{village.pk}/new/")
    meter = page.get_by_label("Nước: Số đồng hồ nước")
    page.wait_for_selector("#report-map:not([hidden])")
    # The coordinate boxes give way to the map; the water question waits for its category.
    assert not page.locator("input[name=latitude]").is_visible()
    assert not meter.is_visible()
    page.select_option("select[name=category]", label="Nước")
    assert meter.is_visible()
    page.screenshot(path=os.path.join(output_dir, "feedback-form-water-360px.png"))
    page.select_option("select[name=category]", label="Đường và chiếu sáng")
    assert not meter.is_visible()
    page.fill("textarea[name=description]", "Ổ gà trước cổng nhà văn hóa")

    page.get_by_test_id("locate").tap()
    page.wait_for_selector("#report-map[data-pinned]")
    assert "Đã ghim vị trí" in page.get_by_test_id("place-status").inner_text()
    assert float(page.input_value("input[name=latitude]")) == pytest.approx(here["latitude"])
    assert float(page.input_value("input[name=longitude]")) == pytest.approx(here["longitude"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(
        path=os.path.join(output_dir, "feedback-form-located-360px.png"), full_page=True
    )
    page.set_viewport_size({"width": 1366, "height": 768})
    page.screenshot(
        path=os.path.join(output_dir, "feedback-form-located-1366px.png"), full_page=True
    )
    page.click("[data-testid=report-submit]")
    page.wait_for_selector("[data-testid=tracking-code]")
    report = Report.objects.get(tracking_code=page.get_by_test_id("tracking-code").inner_text())
    assert report.category.code == "roads" and report.answers == {}
    assert float(report.latitude) == pytest.approx(here["latitude"])
    context.close()

    # A phone that refuses to tell its location is told to tap the map instead.
    refusing = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    other = refusing.new_page()
    other.goto(f"{live_server.url}/feedback/{village.pk}/new/")
    other.get_by_test_id("locate").click()
    other.wait_for_function(
        "document.querySelector('[data-testid=place-status]').textContent.length > 20"
    )
    assert "chạm vào bản đồ" in other.get_by_test_id("place-status").inner_text()
    assert other.input_value("input[name=latitude]") == ""
    refusing.close()


def test_a_visitor_reading_in_english_stays_in_english_on_the_form(
    page: Any, live_server: Any, village: Any, world: Any
) -> None:
    page.goto(f"{live_server.url}/p/{village.pk}/?lang=en")
    page.get_by_test_id("feedback-public").get_by_role("link", name="Report a problem").click()
    page.wait_for_selector("[data-testid=report-form]")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_test_id("locate").inner_text() == "Use my location"
    page.fill("textarea[name=description]", "Street light broken")
    page.click("[data-testid=report-submit]")
    page.wait_for_selector("[data-testid=tracking-code]")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="Follow my report").click()
    page.wait_for_selector("[data-testid=status]")
    assert page.locator("html").get_attribute("lang") == "en"


def test_the_public_board_numbers_each_pin_as_in_the_list(
    page: Any, live_server: Any, village: Any, world: Any, output_dir: str, settings: Any
) -> None:
    from feedback import services
    from feedback.models import Category
    from tests.browser.conftest import LAPTOP, PHONE, all_inside, layout_problems
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
        assert all_inside(page, pins, page.locator("#feedback-map"))
        for i in range(pins.count()):
            pin = pins.nth(i)
            number = pin.get_attribute("data-n")
            # The number a person reads on the pin is the one in the list...
            assert pin.inner_text() == number
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


def test_the_head_sees_a_report_that_came_through_zalo_on_a_phone_and_a_laptop(
    page: Any,
    live_server: Any,
    village: Any,
    world: Any,
    village_head: Any,
    password: str,
    output_dir: str,
) -> None:
    from feedback import services
    from feedback.models import ZaloFollower

    services.categories_ensure_defaults(village=village)
    resident = world.household.residents.first()
    follower = ZaloFollower.objects.create(
        village=village,
        user_id="8466521135428172000",
        resident=resident,
        consent_at=resident.created_at,
        consent_text="test",
    )
    report = services.report_submit(
        village=village,
        submission=services.Submission(
            category=Category.objects.get(village=village, code="environment"),
            description="Rác ứ đọng ở đầu ngõ 3, bốc mùi từ hôm qua",
            answers={},
            lane=None,
            latitude=None,
            longitude=None,
        ),
        photos=[],
        zalo_follower=follower,
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", village_head.email)
    page.fill("input[name=password]", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    for width, height in ((360, 740), (1366, 800)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/feedback/reports/{report.pk}/")
        zalo = page.get_by_test_id("reporter-zalo")
        assert zalo.inner_text() == f"qua Zalo, đã liên kết với cư dân {resident.full_name}"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(
            path=os.path.join(output_dir, f"feedback-zalo-detail-{width}px.png"), full_page=True
        )


def test_a_resident_gets_a_code_for_the_villages_zalo_oa(
    page, live_server, resident, password, world, output_dir, settings
) -> None:
    from django.utils import timezone
    from playwright.sync_api import expect

    from feedback.models import ZaloFollower
    from households.models import Resident
    from tests.browser.checks import blocking_violations, english_words
    from tests.browser.conftest import LAPTOP, layout_problems, sign_in

    settings.FEEDBACK_ZALO_OA_NAME = "Thôn Đông Phú"
    settings.FEEDBACK_ZALO_OA_FOLLOW_URL = "https://zalo.me/123456789"
    me = Resident.objects.get(household=world.household, is_head=True)
    me.account = resident
    me.save(update_fields=["account"])
    ZaloFollower.objects.create(
        village=world.village,
        user_id="8466521135428172000",
        following=True,
        resident=me,
        consent_at=timezone.now(),
        consent_text="Chia sẻ số điện thoại",
    )
    sign_in(page, live_server, resident, password)
    page.goto(f"{live_server.url}/announcements/mine/preferences/")
    page.get_by_test_id("zalo-link").click()
    page.wait_for_url("**/feedback/zalo/link/")
    expect(page.get_by_test_id("zalo-link-status")).to_contain_text("Chưa xác nhận")
    page.get_by_role("button", name="Lấy mã").click()
    page.wait_for_load_state()
    code = page.get_by_test_id("zalo-code").inner_text().replace(" ", "")
    assert len(code) == 6 and code.isdigit()
    expect(page.get_by_test_id("zalo-link-code")).to_contain_text("Thôn Đông Phú")
    assert not layout_problems(page)
    assert not blocking_violations(page)
    assert not english_words(page)
    page.screenshot(path=os.path.join(output_dir, "zalo-link-360px.png"), full_page=True)
    page.set_viewport_size(LAPTOP)
    assert not layout_problems(page)
    page.screenshot(path=os.path.join(output_dir, "zalo-link-1366px.png"), full_page=True)
    page.get_by_test_id("zalo-unlink").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("zalo-link-status")).to_contain_text("Chưa có tài khoản Zalo")
    assert not ZaloFollower.objects.filter(resident=me).exists()


def test_an_officer_confirms_a_zalo_link_on_a_phone(
    page, live_server, officer, password, world, output_dir
) -> None:
    from django.utils import timezone
    from playwright.sync_api import expect

    from feedback.models import ZaloFollower
    from households.models import Resident
    from tests.browser.checks import blocking_violations, english_words
    from tests.browser.conftest import LAPTOP, layout_problems, sign_in

    me = Resident.objects.get(household=world.household, is_head=True)
    follower = ZaloFollower.objects.create(
        village=world.village,
        user_id="8466521135428172000",
        following=True,
        resident=me,
        consent_at=timezone.now(),
        consent_text="Chia sẻ số điện thoại",
    )
    sign_in(page, live_server, officer, password)
    page.goto(f"{live_server.url}/feedback/")
    page.get_by_role("link", name="Liên kết Zalo cần xác nhận").click()
    page.wait_for_url("**/feedback/zalo/links/")
    table = page.get_by_test_id("zalo-pending")
    expect(table).to_contain_text(me.full_name)
    expect(table).to_contain_text("…2000")
    assert not layout_problems(page)
    assert not blocking_violations(page)
    assert not english_words(page)
    page.screenshot(path=os.path.join(output_dir, "zalo-links-360px.png"), full_page=True)
    page.set_viewport_size(LAPTOP)
    assert not layout_problems(page)
    page.screenshot(path=os.path.join(output_dir, "zalo-links-1366px.png"), full_page=True)
    table.get_by_role("button").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("zalo-verified")).to_contain_text(me.full_name)
    follower.refresh_from_db()
    assert follower.verified_by == officer and follower.verified_how == "office"
