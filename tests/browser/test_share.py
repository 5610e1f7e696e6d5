"""The village head shares a sent announcement to the village's Zalo group: the phone's share
sheet (stubbed: headless Chromium has none), or on a laptop the clipboard."""

import os

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from announcements.models import Share, ShareLanding
from tests.announcements.factories import AnnouncementFactory
from tests.browser.conftest import LAPTOP, PHONE, layout_problems, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The share sheet a phone would open: it keeps what it was handed and "completes".
SHARE_SHEET = """
Object.defineProperty(Navigator.prototype, "share", {
  configurable: true,
  value: function (data) { window.sharedData = data; return Promise.resolve(); }
});
"""
# A laptop browser without the Web Share API (as Chromium on Linux and Firefox are).
NO_SHARE_SHEET = "delete Navigator.prototype.share;"


def _sent(world: object) -> object:
    return AnnouncementFactory(
        village=world.village,
        title="Lịch cắt điện ngày 12/12",
        body="Điện lực xã cắt điện từ 7h đến 11h để sửa đường dây. " * 6,
        status="sent",
        sent_at=timezone.now(),
        channels=["web"],
    )


def test_the_head_shares_from_a_phone_through_the_share_sheet(
    browser, live_server, village_head, password, world, output_dir
) -> None:
    announcement = _sent(world)
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    context.add_init_script(SHARE_SHEET)
    page = context.new_page()
    sign_in(page, live_server, village_head, password)
    page.goto(f"{live_server.url}/announcements/manage/{announcement.pk}/")
    button = page.get_by_test_id("share-zalo")
    expect(button).to_have_text("Chia sẻ lên nhóm Zalo")
    expect(page.get_by_test_id("share-count")).to_have_text(
        "Chia sẻ lên Zalo: 0 lần, 0 lượt mở từ liên kết chia sẻ"
    )
    button.dblclick()  # a double tap shares once
    expect(page.get_by_test_id("share-count")).to_have_text(
        "Chia sẻ lên Zalo: 1 lần, 0 lượt mở từ liên kết chia sẻ"
    )
    shared = page.evaluate("window.sharedData")
    link = f"{live_server.url}/announcements/a/{announcement.public_code}/?via=zalo-share"
    assert shared["url"] == link
    assert shared["title"] == announcement.title
    assert shared["text"].startswith(announcement.title + "\n" + "Điện lực xã cắt điện")
    assert len(shared["text"]) < len(announcement.body)
    assert list(Share.objects.values_list("via", flat=True)) == ["sheet"]
    expect(page.get_by_test_id("share-copied")).to_be_hidden()
    assert layout_problems(page) == []
    page.screenshot(path=os.path.join(output_dir, "announcement-share-360px.png"), full_page=True)

    # A villager opens the shared link from the Zalo group, twice in the same browser session.
    villager = browser.new_context(viewport=PHONE, locale="vi-VN")
    phone = villager.new_page()
    phone.goto(link)
    expect(phone.locator("h1")).to_have_text(announcement.title)
    phone.reload()
    villager.close()
    assert ShareLanding.objects.filter(announcement=announcement).count() == 1
    page.reload()
    expect(page.get_by_test_id("share-count")).to_have_text(
        "Chia sẻ lên Zalo: 1 lần, 1 lượt mở từ liên kết chia sẻ"
    )
    context.close()


def test_on_a_laptop_the_text_and_link_are_copied(
    browser, live_server, village_head, password, world, output_dir
) -> None:
    announcement = _sent(world)
    context = browser.new_context(viewport=LAPTOP, locale="vi-VN")
    context.add_init_script(NO_SHARE_SHEET)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    sign_in(page, live_server, village_head, password)
    page.goto(f"{live_server.url}/announcements/manage/{announcement.pk}/")
    assert page.evaluate("typeof navigator.share") == "undefined"
    page.get_by_test_id("share-zalo").click()
    copied = page.get_by_test_id("share-copied")
    expect(copied).to_be_visible()
    expect(copied).to_contain_text("Đã chép, dán vào nhóm Zalo")
    assert copied.locator("a").get_attribute("href") == "https://chat.zalo.me/"
    expect(page.get_by_test_id("share-count")).to_have_text(
        "Chia sẻ lên Zalo: 1 lần, 0 lượt mở từ liên kết chia sẻ"
    )
    text = page.evaluate("navigator.clipboard.readText()")
    assert text.startswith(announcement.title + "\n")
    assert text.endswith(f"/announcements/a/{announcement.public_code}/?via=zalo-share")
    assert list(Share.objects.values_list("via", flat=True)) == ["copy"]
    # No script of Zalo's: every script the page loaded is the portal's own.
    sources = page.eval_on_selector_all("script[src]", "nodes => nodes.map(n => n.src)")
    assert sources and all(s.startswith(live_server.url) for s in sources)
    assert layout_problems(page) == []
    page.screenshot(path=os.path.join(output_dir, "announcement-share-1366px.png"), full_page=True)
    context.close()
