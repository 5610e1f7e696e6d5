"""Push notifications in Chromium: the manifest, the service worker at the site's root, the
"turn on notifications" button, the page's subscribe and unsubscribe calls, and a push message
delivered to the worker (DevTools' ServiceWorker.deliverPushMessage) ending in a receipt.

Headless Chromium here cannot reach a real push service, so ``pushManager.subscribe`` cannot
complete: the page must then say so. The page's own code that tells the server about a
subscription is driven with one made by the local push service (tests/announcements/fake_push.py),
which then receives the real, encrypted message.
"""

import json
import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from announcements import services, webpush
from announcements.models import Announcement, Delivery, PushSubscription
from tests.announcements.factories import AnnouncementFactory
from tests.announcements.fake_push import FakePush
from tests.browser.checks import blocking_violations
from tests.browser.conftest import LAPTOP, PHONE, layout_problems
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def push(settings: Any) -> Iterator[FakePush]:
    public, private = webpush.vapid_key_pair()
    with FakePush() as fake:
        for name, value in fake.env(public, private).items():
            setattr(settings, name, value)
        yield fake


@pytest.fixture
def an(world: Any) -> Any:
    resident = world.household.residents.get(full_name="Nguyễn Văn An")
    resident.account = UserFactory(full_name=resident.full_name)
    resident.save()
    return resident


def _wait_for(page: Any, check: Any, what: str, tries: int = 200) -> None:
    """Poll through Playwright's own wait, which also lets its DevTools events arrive."""
    for _ in range(tries):
        if check():
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"never happened: {what}")


def _in_thread(work: Any) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def _login(page: Any, live_server: Any, user: Any, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{live_server.url}/**")


def test_the_phone_turns_notifications_on_and_a_push_ends_in_a_receipt(
    browser, live_server, an, push, password, output_dir
) -> None:
    context = browser.new_context(viewport=PHONE, permissions=["notifications"])
    page = context.new_page()
    try:
        _login(page, live_server, an.account, password)
        page.goto(f"{live_server.url}/announcements/mine/preferences/")

        # The manifest is linked from every page and is what a phone needs to install it.
        href = page.locator("link[rel=manifest]").get_attribute("href")
        manifest = page.request.get(live_server.url + href)
        assert manifest.headers["content-type"] == "application/manifest+json"
        data = manifest.json()
        assert data["display"] == "standalone" and data["start_url"] == "/"
        for icon in data["icons"]:
            assert page.request.get(live_server.url + icon["src"]).status == 200

        # The service worker registers at the site's root and becomes active.
        scope = page.evaluate(
            "() => navigator.serviceWorker.ready.then(r => r.scope + ' ' + r.active.state)"
        )
        assert scope == f"{live_server.url}/ activated"
        button = page.get_by_test_id("push-toggle")
        status = page.get_by_test_id("push-status")
        expect(button).to_have_text("Bật thông báo trên điện thoại này")
        expect(status).to_have_text("Điện thoại này chưa nhận thông báo.")
        assert not layout_problems(page)
        assert not blocking_violations(page)
        page.screenshot(path=os.path.join(output_dir, "push-preferences-360px.png"), full_page=True)
        page.set_viewport_size(LAPTOP)
        page.screenshot(
            path=os.path.join(output_dir, "push-preferences-1366px.png"), full_page=True
        )
        page.set_viewport_size(PHONE)

        # Subscribing for real needs the browser's push service, out of reach here: the page
        # says it could not, and the button can be tried again.
        button.click()
        expect(status).not_to_have_text("Vui lòng chờ…", timeout=60_000)
        if PushSubscription.objects.exists():  # a push service was reachable after all
            expect(status).to_have_text("Điện thoại này đang nhận thông báo.")
            page.evaluate(
                "() => navigator.serviceWorker.ready.then(r => r.pushManager.getSubscription())"
                ".then(s => s && window.villagePush.remove(s.endpoint).then(() => s.unsubscribe()))"
            )
            PushSubscription.objects.all().delete()
        else:
            expect(status).to_have_text(
                "Không đăng ký được thông báo cho điện thoại này. "
                "Hãy kiểm tra kết nối Internet rồi thử lại."
            )
            expect(button).to_be_enabled()
        page.screenshot(path=os.path.join(output_dir, "push-error-360px.png"), full_page=True)

        # The page's call that tells the server, with a subscription the local service made.
        device = push.subscribe()
        page.evaluate("(json) => window.villagePush.save(json)", device.json())
        stored = PushSubscription.objects.get()
        assert stored.endpoint == device.endpoint and stored.user == an.account
        refused = page.evaluate(
            "(json) => window.villagePush.save(json).then(() => 'saved', e => e.message)",
            {**device.json(), "endpoint": "http://push.example.net/x"},
        )
        assert "https" in refused and PushSubscription.objects.count() == 1

        # An announcement goes out through the outbox to the local push service...
        announcement = AnnouncementFactory(
            village=an.household.village, channels=["webpush"], title="Cắt điện chiều nay"
        )
        # In a thread of its own: the live notices it sends cannot run beside Playwright's loop.
        _in_thread(lambda: services.announcement_send(announcement=announcement))
        _in_thread(lambda: services.deliveries_drain(channel="webpush"))
        delivery = Delivery.objects.get(announcement=announcement, channel="webpush")
        assert delivery.status == "sent"
        (message,) = push.messages_for(device)
        assert message["payload"]["title"] == "Cắt điện chiều nay"

        # ...and that payload, delivered to this browser's service worker, is shown and
        # reported back.
        cdp = context.new_cdp_session(page)
        registrations: list[dict[str, Any]] = []
        cdp.on(
            "ServiceWorker.workerRegistrationUpdated",
            lambda event: registrations.extend(event["registrations"]),
        )
        cdp.send("ServiceWorker.enable")
        _wait_for(page, lambda: any(not r["isDeleted"] for r in registrations), "a registration")
        registration = next(r for r in registrations if not r["isDeleted"])
        assert registration["scopeURL"] == f"{live_server.url}/"
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": live_server.url,
                "registrationId": registration["registrationId"],
                "data": json.dumps(message["payload"], ensure_ascii=False),
            },
        )

        def delivered() -> bool:
            delivery.refresh_from_db()
            return delivery.status == "delivered"

        _wait_for(page, delivered, "the receipt of the shown notification")
        assert Announcement.objects.get(pk=announcement.pk).status == "sent"

        # Turning it off: the page's call forgets the device on the server.
        page.evaluate("(endpoint) => window.villagePush.remove(endpoint)", device.endpoint)
        assert not PushSubscription.objects.exists()
    finally:
        context.close()


def test_a_browser_that_blocked_notifications_is_told_how_to_allow_them(
    browser, live_server, an, push, password
) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        _login(page, live_server, an.account, password)
        # The person answered "Block" when the browser asked.
        page.add_init_script(
            "Object.defineProperty(Notification, 'permission', {get: () => 'denied'});"
        )
        page.goto(f"{live_server.url}/announcements/mine/preferences/")
        expect(page.get_by_test_id("push-status")).to_contain_text(
            "Trình duyệt đang chặn thông báo"
        )
        expect(page.get_by_test_id("push-toggle")).to_be_hidden()
        assert not blocking_violations(page)
    finally:
        context.close()
