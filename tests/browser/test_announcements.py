"""The village head writes and sends an announcement in Chromium on a phone-sized screen."""

import os
import re

import pytest
from playwright.sync_api import expect

from announcements.models import Announcement, Delivery
from tests.announcements.conftest import give_phones

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(world: object) -> object:
    """The shared world, with phone numbers for the residents (SMS and Zalo need them)."""
    give_phones()
    return world


def test_the_head_sees_the_live_count_sends_and_reads_the_reach(
    page, live_server, village_head, password, world, output_dir
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", village_head.email)
    page.fill("input[name=password]", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert page.get_by_test_id("announcement-tiles").count() == 1

    page.goto(f"{live_server.url}/announcements/manage/new/")
    page.fill("input[name=title]", "Họp thôn tháng 12")
    page.fill("textarea[name=body]", "Mời đại diện các hộ dự họp lúc 19h30 ngày 05/12.")
    # The count follows the audience without a reload: the whole village is 2 people.
    # Locator waits, not wait_for_function: its polling evaluates a string, which the pages'
    # Content-Security-Policy (no 'unsafe-eval') rightly refuses.
    page.wait_for_selector("#audience-count[data-people='2']")
    # The household picker finds a house by its number or by its head's name, accents or not.
    search = page.get_by_test_id("household-search")
    search.fill("van an")
    expect(page.locator("select[name=household]")).to_have_value(str(world.household.pk))
    page.select_option("select[name=household]", "")
    search.fill("5A")
    expect(page.locator("select[name=household]")).to_have_value(str(world.household.pk))
    search.fill("không có ai")
    page.select_option("select[name=household]", "")
    page.check("input[name=loudspeakers]")
    page.check(f"input[name=lanes][value='{world.lane.pk}']")
    page.select_option("select[name=audience]", "lanes")
    counter = page.locator("#audience-count")
    expect(counter.locator("[data-field=households]")).to_have_text("1")
    expect(counter.locator("[data-field=people]")).to_have_text("2")
    expect(counter).to_contain_text("Số người")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=os.path.join(output_dir, "announcement-compose-360px.png"), full_page=True)
    page.get_by_test_id("review").click()

    # The confirmation step: nothing is sent until "Gửi" there.
    page.wait_for_url("**/announcements/manage/*/confirm/")
    announcement = Announcement.objects.get()
    assert announcement.status == "draft"
    assert not Delivery.objects.exists()
    expect(page.get_by_test_id("confirm-audience")).to_have_text("1 hộ, 2 người")
    # Loudspeakers chosen: the head can listen before sending (no cluster covers the lane).
    audio = page.get_by_test_id("speech-preview").locator("audio")
    assert audio.get_attribute("src").endswith(
        f"/announcements/manage/{announcement.pk}/speech.wav"
    )
    expect(page.get_by_test_id("confirm-channels")).to_contain_text("không có cụm loa nào")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=os.path.join(output_dir, "announcement-confirm-360px.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.screenshot(
        path=os.path.join(output_dir, "announcement-confirm-1366px.png"), full_page=True
    )
    page.set_viewport_size({"width": 360, "height": 740})
    page.get_by_test_id("send").click()
    page.wait_for_url(re.compile(r".*/announcements/manage/\d+/$"))
    assert page.get_by_test_id("status").inner_text() == "Đã gửi"
    announcement.refresh_from_db()
    assert announcement.audience == "lanes" and announcement.status == "sent"
    assert Delivery.objects.filter(announcement=announcement, channel="web").count() == 0
    # SMS is off and no one has an account: reach says so, and names who nothing reached.
    assert "0/1 hộ" in page.get_by_test_id("reach").inner_text()
    assert "Nguyễn Văn An" in page.get_by_test_id("not-reached").inner_text()
    page.screenshot(path=os.path.join(output_dir, "announcement-detail-360px.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.screenshot(path=os.path.join(output_dir, "announcement-detail-1366px.png"), full_page=True)


def test_the_head_checks_messages_that_may_have_been_sent(
    page, live_server, village_head, password, world, output_dir
) -> None:
    from django.utils import timezone

    from households.models import Resident
    from tests.announcements.factories import AnnouncementFactory
    from tests.browser.conftest import layout_problems, sign_in

    announcement = AnnouncementFactory(
        village=world.village,
        channels=["zalo", "sms"],
        title="Lịch tiêm phòng cho trẻ em tháng 12",
        status="sent",
        sent_at=timezone.now(),
    )
    rows = [
        Delivery.objects.create(
            announcement=announcement,
            resident=resident,
            channel=channel,
            household_id=resident.household_id,
            address=resident.phone,
            status=Delivery.Status.UNKNOWN,
            request_id=f"vp-{index}",
            first_tried_at=timezone.now(),
        )
        for index, (resident, channel) in enumerate(
            (r, c)
            for r in Resident.objects.filter(household=world.household).order_by("pk")
            for c in ("zalo", "sms")
        )
    ]
    sign_in(page, live_server, village_head, password)
    page.goto(f"{live_server.url}/announcements/manage/{announcement.pk}/")
    expect(page.get_by_test_id("unknown-link")).to_contain_text("4 tin nhắn có thể đã được gửi")
    page.get_by_test_id("unknown-link").locator("a").click()
    page.wait_for_url("**/announcements/manage/unknown/?announcement=*")
    table = page.get_by_test_id("unknown-deliveries")
    expect(table.locator("tbody tr")).to_have_count(4)
    expect(table).to_contain_text("***" + rows[0].address[-3:])
    assert rows[0].address not in table.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not layout_problems(page)
    page.screenshot(path=os.path.join(output_dir, "announcement-unknown-360px.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.screenshot(
        path=os.path.join(output_dir, "announcement-unknown-1366px.png"), full_page=True
    )
    # One row received, two ticked rows settled together.
    page.locator(f"tr[data-delivery='{rows[0].pk}'] button[value='arrived:{rows[0].pk}']").click()
    expect(page.locator(".messages")).to_contain_text("không gửi lại")
    expect(table.locator("tbody tr")).to_have_count(3)
    page.check(f"input[name=delivery][value='{rows[1].pk}']")
    page.check(f"input[name=delivery][value='{rows[2].pk}']")
    page.get_by_test_id("unknown-bulk").locator("button[value=arrived]").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    statuses = dict(Delivery.objects.values_list("pk", "status"))
    assert [statuses[row.pk] for row in rows] == ["sent", "sent", "sent", "unknown"]
