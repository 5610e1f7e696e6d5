"""Web Push: subscriptions from the page, the outbox through pywebpush to a local push service
that checks VAPID and decrypts each message, receipts, expiry, retries and quiet hours."""

import json
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from announcements import selectors, services, webpush
from announcements.models import Delivery, Preference, PushSubscription
from tests.announcements.factories import AnnouncementFactory
from tests.announcements.fake_push import FakePush
from tests.clock import LOCAL
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SUBSCRIBE = "/announcements/mine/push/"


@pytest.fixture
def push(settings) -> Iterator[FakePush]:
    public, private = webpush.vapid_key_pair()
    with FakePush() as fake:
        for name, value in fake.env(public, private).items():
            setattr(settings, name, value)
        settings.ANNOUNCEMENTS_RETRY_SECONDS = 0
        yield fake


@pytest.fixture
def an(world):
    """Nguyễn Văn An of house 5A, with a portal account."""
    resident = world.household.residents.get(full_name="Nguyễn Văn An")
    resident.account = UserFactory(full_name=resident.full_name)
    resident.save()
    return resident


def _subscribe(client, user, device) -> None:
    client.force_login(user)
    response = client.post(
        SUBSCRIBE,
        json.dumps(device.json()),
        content_type="application/json",
        HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile Safari/537.36",
    )
    assert response.status_code == 200, response.content


def _send(world, **fields) -> Delivery:
    announcement = AnnouncementFactory(village=world.village, channels=["webpush"], **fields)
    services.announcement_send(announcement=announcement)
    return Delivery.objects.get(announcement=announcement, channel="webpush")


def _drain() -> None:
    for _ in range(20):
        if not services.deliveries_drain(channel="webpush"):
            return


def test_an_announcement_reaches_each_device_encrypted_and_the_receipt_counts(
    client, world, an, push, village_head
) -> None:
    phone, tablet = push.subscribe(), push.subscribe()
    _subscribe(client, an.account, phone)
    _subscribe(client, an.account, tablet)
    stored = PushSubscription.objects.get(endpoint=phone.endpoint)
    assert stored.user == an.account and stored.user_agent == "Android · Chrome"

    long_body = "Lịch tiêm chủng " * 40
    delivery = _send(world, title="Tiêm phòng dại cho chó mèo", body=long_body)
    # Only An has a device: nobody else of the village gets a push row.
    assert Delivery.objects.filter(announcement=delivery.announcement).count() == 1
    _drain()

    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.gateway_ref == "webpush:2/2"
    assert not push.state.refused
    for device in (phone, tablet):
        (message,) = push.messages_for(device)
        payload = message["payload"]
        assert payload["title"] == "Tiêm phòng dại cho chó mèo"
        assert len(payload["body"]) <= 200 and payload["body"].endswith("…")
        assert payload["url"] == f"/announcements/mine/#a-{delivery.announcement.public_code}"
        assert payload["urgent"] is False and message["urgency"] == "normal"
        # A repeat of this announcement would replace this message at the push service.
        assert message["topic"] == f"a-{delivery.announcement.public_code}"
        assert message["ttl"] == 24 * 3600
        # Nothing personal beyond the announcement itself.
        assert "Nguyễn" not in json.dumps(payload, ensure_ascii=False)
    assert PushSubscription.objects.filter(last_success_at__isnull=False).count() == 2

    # The phone showed it: the service worker posts the token from the payload.
    token = push.messages_for(phone)[0]["payload"]["receipt"]
    receipt = client.post(
        reverse("announcement_push_receipt"),
        json.dumps({"token": token, "event": "shown"}),
        content_type="application/json",
    )
    assert receipt.status_code == 200
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    reach = selectors.reach(announcement=delivery.announcement)
    lanes = {lane["key"]: lane for lane in reach["lanes"]}
    assert lanes["webpush"]["households"] == 1 and lanes["webpush"]["people"] == 1
    assert lanes["webpush"]["messages"]["delivered"] == 1
    client.force_login(village_head)
    page = client.get(reverse("announcement_detail", args=[delivery.announcement.pk]))
    assert "Thông báo đẩy" in page.content.decode()


def test_a_lost_answer_is_sent_again_under_the_same_topic_and_the_phone_receives_it_once(
    client, world, an, push
) -> None:
    """The push service took the message but its answer never came back (RFC 8030 offers no
    way to ask about it): the message is sent again under the same Topic, which replaces the
    first while the phone is off, so the phone receives one."""
    device = push.subscribe()
    _subscribe(client, an.account, device)
    push.go_offline(device)
    push.lose_next_answer(device)
    delivery = _send(world, title="Cắt nước sáng mai")
    _drain()  # the drain asks about rows whose answer was lost: here, it sends again
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.gateway_ref == "webpush:1/1"
    assert push.state.accepted[device.id] == 2  # the service took it twice
    assert push.messages_for(device) == []  # the phone is still off
    push.come_online(device)
    (message,) = push.messages_for(device)
    assert message["payload"]["title"] == "Cắt nước sáng mai"
    assert message["topic"] == f"a-{delivery.announcement.public_code}"


def test_a_forged_or_foreign_receipt_changes_nothing(client, world, an, push) -> None:
    _subscribe(client, an.account, push.subscribe())
    delivery = _send(world)
    _drain()
    for token in ("", f"{delivery.pk}.0000", webpush.receipt_token(f"vp-ann-{delivery.pk + 1}")):
        response = client.post(
            reverse("announcement_push_receipt"),
            json.dumps({"token": token, "event": "shown"}),
            content_type="application/json",
        )
        assert response.status_code == 403
    assert (
        client.post(reverse("announcement_push_receipt"), "nope", "text/plain").status_code == 403
    )
    delivery.refresh_from_db()
    assert delivery.status == "sent"


def test_an_emergency_alert_is_urgent_and_requires_interaction(client, world, an, push) -> None:
    device = push.subscribe()
    _subscribe(client, an.account, device)
    _send(world, kind="emergency", title="Lũ quét")
    _drain()
    (message,) = push.messages_for(device)
    assert message["urgency"] == "high" and message["payload"]["urgent"] is True


def test_a_gone_subscription_is_deleted_and_the_other_device_still_gets_it(
    client, world, an, push
) -> None:
    old, new = push.subscribe(), push.subscribe()
    _subscribe(client, an.account, old)
    _subscribe(client, an.account, new)
    push.answer_next(old, 410)
    delivery = _send(world)
    _drain()
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.gateway_ref == "webpush:1/2"
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [new.endpoint]


def test_when_every_subscription_is_gone_the_row_fails_for_good(client, world, an, push) -> None:
    device = push.subscribe()
    _subscribe(client, an.account, device)
    push.answer_next(device, 404)
    delivery = _send(world)
    _drain()
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "expired" in delivery.reason
    assert not PushSubscription.objects.exists()


def test_413_is_permanent(client, world, an, push) -> None:
    device = push.subscribe()
    _subscribe(client, an.account, device)
    push.answer_next(device, 413)
    delivery = _send(world)
    _drain()
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "413" in delivery.reason
    assert PushSubscription.objects.count() == 1


def test_429_waits_for_retry_after_then_delivers(client, world, an, push) -> None:
    device = push.subscribe()
    _subscribe(client, an.account, device)
    push.answer_next(device, 429, Retry_After="120")
    before = timezone.now()
    delivery = _send(world)
    _drain()
    delivery.refresh_from_db()
    assert delivery.status == "queued" and "429" in delivery.reason
    assert delivery.next_attempt_at >= before + timedelta(seconds=119)
    assert not push.messages_for(device)
    with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1), tick=True):
        _drain()
    delivery.refresh_from_db()
    assert delivery.status == "sent" and len(push.messages_for(device)) == 1


def test_a_503_is_retried_with_backoff(client, world, an, push) -> None:
    device = push.subscribe()
    _subscribe(client, an.account, device)
    push.answer_next(device, 503, times=2)
    delivery = _send(world)
    _drain()
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 3
    assert len(push.messages_for(device)) == 1


def test_push_waits_for_the_end_of_quiet_hours_except_emergencies(client, world, an, push) -> None:
    device = push.subscribe()
    _subscribe(client, an.account, device)
    Preference.objects.create(resident=an, quiet_from="22:00", quiet_until="06:00")
    night = datetime(2030, 3, 14, 23, 0, tzinfo=LOCAL)
    with time_machine.travel(night, tick=True):
        notice = _send(world, title="Họp chi bộ")
        alert = _send(world, kind="emergency", title="Cháy rừng")
        _drain()
        notice.refresh_from_db()
        alert.refresh_from_db()
    assert alert.status == "sent"
    assert notice.status == "queued" and notice.reason == "quiet hours"
    assert timezone.localtime(notice.next_attempt_at).time().strftime("%H:%M") == "06:00"
    assert [m["payload"]["title"] for m in push.messages_for(device)] == ["Cháy rừng"]
    with time_machine.travel(datetime(2030, 3, 15, 6, 1, tzinfo=LOCAL), tick=True):
        _drain()
    notice.refresh_from_db()
    assert notice.status == "sent"


def test_a_resident_who_switched_push_off_gets_no_push(client, world, an, push) -> None:
    _subscribe(client, an.account, push.subscribe())
    Preference.objects.create(resident=an, webpush=False)
    announcement = AnnouncementFactory(village=world.village, channels=["webpush"])
    services.announcement_send(announcement=announcement)
    assert not Delivery.objects.filter(announcement=announcement).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.update(endpoint="http://push.example.net/x"), "https"),
        (lambda s: s.update(endpoint="javascript:alert(1)"), "https"),
        (lambda s: s["keys"].update(p256dh="AAAA"), "khóa mã hóa"),
        (lambda s: s["keys"].update(p256dh="A" + s["keys"]["p256dh"][1:]), "khóa mã hóa"),
        (lambda s: s["keys"].update(p256dh="BA" + "A" * 85), "khóa mã hóa"),
        (lambda s: s["keys"].update(auth="c2hvcnQ"), "mã xác thực"),
        (lambda s: s["keys"].update(auth=None), "mã xác thực"),
        (lambda s: s.pop("keys"), "không đọc được"),
    ],
    ids=[
        "http",
        "script",
        "short-key",
        "not-uncompressed",
        "not-on-the-curve",
        "short-auth",
        "no-auth",
        "no-keys",
    ],
)
def test_a_bad_subscription_is_refused_with_a_message_and_nothing_stored(
    client, world, an, push, change, message
) -> None:
    data = push.subscribe().json()
    change(data)
    client.force_login(an.account)
    response = client.post(SUBSCRIBE, json.dumps(data), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["ok"] is False and message in response.json()["error"].lower()
    assert not PushSubscription.objects.exists()


def test_bad_subscription_messages_are_vietnamese(client, world, an, push) -> None:
    client.force_login(an.account)
    response = client.post(SUBSCRIBE, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "Trình duyệt gửi một đăng ký không đọc được."


def test_a_local_endpoint_is_refused_unless_the_tests_allow_it(client, an, push, settings) -> None:
    settings.WEBPUSH_ALLOW_LOCAL_ENDPOINTS = False
    client.force_login(an.account)
    data = json.dumps(push.subscribe().json())
    assert client.post(SUBSCRIBE, data, content_type="application/json").status_code == 400
    assert not PushSubscription.objects.exists()


def test_nobody_can_delete_another_persons_subscription(client, world, an, push) -> None:
    device = push.subscribe()
    _subscribe(client, an.account, device)
    client.force_login(UserFactory())
    response = client.delete(
        SUBSCRIBE, json.dumps({"endpoint": device.endpoint}), content_type="application/json"
    )
    assert response.status_code == 200  # says nothing about whose endpoint it was
    assert PushSubscription.objects.filter(endpoint=device.endpoint).exists()
    client.force_login(an.account)
    client.delete(
        SUBSCRIBE, json.dumps({"endpoint": device.endpoint}), content_type="application/json"
    )
    assert not PushSubscription.objects.exists()


def test_subscribing_needs_the_csrf_token(an, push) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(an.account)
    data = json.dumps(push.subscribe().json())
    assert client.post(SUBSCRIBE, data, content_type="application/json").status_code == 403
    assert not PushSubscription.objects.exists()


def test_a_renewed_subscription_replaces_the_old_one(client, an, push) -> None:
    old, new = push.subscribe(), push.subscribe()
    _subscribe(client, an.account, old)
    body = {"old_endpoint": old.endpoint, "subscription": new.json()}
    renew = reverse("announcement_push_renew")
    assert client.post(renew, json.dumps(body), content_type="application/json").status_code == 200
    (row,) = PushSubscription.objects.all()
    assert row.endpoint == new.endpoint and row.user == an.account
    unknown = {"old_endpoint": "https://push.example.net/nope", "subscription": new.json()}
    assert (
        client.post(renew, json.dumps(unknown), content_type="application/json").status_code == 403
    )


def test_without_keys_the_channel_is_off(client, world, an, settings) -> None:
    settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    assert "webpush" not in services.available_channels()
    client.force_login(an.account)
    page = client.get(reverse("my_preferences")).content.decode()
    assert 'data-testid="push-off"' in page and "Đã tắt: chưa cấu hình" in page


def test_the_manifest_and_service_worker_are_served(client) -> None:
    manifest = client.get("/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert data["display"] == "standalone" and data["lang"] == "vi"
    assert data["name"] == "Thôn thông minh" and data["start_url"] == "/"
    assert {icon["sizes"] for icon in data["icons"]} == {"192x192", "512x512"}
    worker = client.get("/sw.js")
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/"
    assert "pushsubscriptionchange" in worker.content.decode()


def test_make_vapid_keys_prints_a_pair_that_signs(capsys) -> None:
    from py_vapid import Vapid

    call_command("make_vapid_keys")
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.split())
    vapid = Vapid.from_string(private_key=lines["WEBPUSH_VAPID_PRIVATE_KEY"])
    header = vapid.sign({"aud": "https://push.example.net", "sub": "mailto:a@example.org"})
    assert header["Authorization"].endswith("k=" + lines["WEBPUSH_VAPID_PUBLIC_KEY"])
