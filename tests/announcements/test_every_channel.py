"""One announcement over every channel at once, as a village with a Zalo OA, an SMS account and
push keys configured sends it: ZNS and an OA message (Zalo), SMS (eSMS), Web Push, e-mail, the
web feed and the loudspeakers; each provider's receipt comes back the way that provider sends
it, the reach page counts every channel, and the OA brings a resident's feedback in.

Every outside service is a local fake that answers as the provider documents (the fakes' own
docstrings cite the documents); the portal's settings point at them exactly as the environment
variables in the README would."""

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from announcements import selectors, services, speakers, webpush
from announcements.models import Delivery, SpeakerItem
from feedback import services as feedback_services
from feedback.models import LinkProof, Report, ZaloFollower
from households.models import Resident
from tests.announcements.factories import AnnouncementFactory
from tests.announcements.fake_esms import FakeEsms
from tests.announcements.fake_push import FakePush
from tests.factories import UserFactory
from tests.feedback.fake_zalo_oa import FakeZaloOA, event, receipt, signed

pytestmark = pytest.mark.django_db

WEBHOOK = "/feedback/zalo/webhook/"
AN_ON_ZALO = "8466521135428172001"
EVERY_CHANNEL = ["web", "email", "sms", "zalo", "webpush"]


@pytest.fixture
def providers(settings: Any, world: Any) -> Iterator[dict[str, Any]]:
    public, private = webpush.vapid_key_pair()
    with FakeEsms() as sms, FakeZaloOA() as zalo, FakePush() as push:
        for name, value in {**sms.env(), **zalo.env(), **push.env(public, private)}.items():
            setattr(settings, name, value)
        settings.ANNOUNCEMENTS_ZALO_OA_URL = zalo.url
        settings.ANNOUNCEMENTS_ZALO_OA_WINDOW_HOURS = 48
        settings.FEEDBACK_ZALO_VILLAGE = str(world.village.pk)
        settings.ANNOUNCEMENTS_RETRY_SECONDS = 0
        zalo.state.followers.add(AN_ON_ZALO)
        yield {"sms": sms, "zalo": zalo, "push": push}


@pytest.fixture
def household(world: Any, client: Any, providers: dict[str, Any]) -> dict[str, Resident]:
    """House 5A: An (the head) has an account with an e-mail address, a phone with push
    notifications on, and a Zalo account he linked with a code and wrote to the OA from
    yesterday; Bình has only a phone number."""
    an = world.household.residents.get(full_name="Nguyễn Văn An")
    binh = world.household.residents.get(full_name="Trần Thị Bình")
    an.account = UserFactory(full_name=an.full_name, email="an@example.org")
    an.phone, binh.phone = "+84981000001", "+84981000002"
    an.save()
    binh.save()
    now = timezone.now()
    ZaloFollower.objects.create(
        village=world.village,
        user_id=AN_ON_ZALO,
        following=True,
        resident=an,
        consent_at=now - timedelta(days=2),
        consent_text="Mã liên kết từ tài khoản",
        last_interaction_at=now - timedelta(days=1),
        verified_at=now - timedelta(days=2),
        verified_how=LinkProof.CODE,
    )
    client.force_login(an.account)
    device = providers["push"].subscribe()
    subscribed = client.post(
        "/announcements/mine/push/", json.dumps(device.json()), content_type="application/json"
    )
    assert subscribed.status_code == 200, subscribed.content
    client.logout()
    return {"an": an, "binh": binh, "device": device}


def _zalo_webhook(client: Any, body: dict[str, Any]) -> Any:
    raw, signature = signed(body)
    return client.post(
        WEBHOOK, data=raw, content_type="application/json", HTTP_X_ZEVENT_SIGNATURE=signature
    )


def test_one_announcement_reaches_the_household_on_every_channel_and_each_is_counted(
    client: Any, world: Any, providers: dict[str, Any], household: dict[str, Any], village_head
) -> None:
    sms, zalo, push = providers["sms"], providers["zalo"], providers["push"]
    an, binh = household["an"], household["binh"]
    cluster, _key = speakers.cluster_create(
        village=world.village, name="Cụm loa nhà văn hóa", lanes=[world.lane]
    )
    announcement = AnnouncementFactory(
        village=world.village,
        title="Lịch tiêm phòng dại",
        body="Tiêm phòng dại cho chó mèo sáng Chủ nhật tại nhà văn hóa.",
        channels=EVERY_CHANNEL,
        loudspeakers=True,
    )
    services.announcement_send(announcement=announcement)
    for channel in EVERY_CHANNEL:
        for _ in range(10):
            if not services.deliveries_drain(channel=channel):
                break

    rows = {
        (row.channel, row.resident_id): row
        for row in Delivery.objects.filter(announcement=announcement)
    }
    # Who gets what: An everything, Bình (a phone only) SMS and ZNS.
    assert set(rows) == {
        ("web", an.pk),
        ("email", an.pk),
        ("sms", an.pk),
        ("zalo", an.pk),
        ("webpush", an.pk),
        ("sms", binh.pk),
        ("zalo", binh.pk),
    }
    # The web feed holds it at once; the others were handed to their providers.
    assert all(
        row.status == ("delivered" if row.channel == "web" else "sent") for row in rows.values()
    ), {key: (row.status, row.reason) for key, row in rows.items()}

    # Each provider got one message per person, in its own protocol.
    assert sorted(m["to"][-9:] for m in sms.state.messages.values()) == [
        "981000001",
        "981000002",
    ]
    assert [m["user_id"] for m in zalo.state.sent] == [AN_ON_ZALO]  # the OA message, to An
    assert [m["to"] for m in zalo.state.messages.values()] == ["84981000002"]  # ZNS, to Bình
    assert rows[("zalo", an.pk)].gateway_ref.startswith("oa:")
    (pushed,) = push.messages_for(household["device"])
    assert pushed["payload"]["title"] == "Lịch tiêm phòng dại"
    assert [message.to for message in mail.outbox] == [["an@example.org"]]

    # The proof each channel can give comes back the way its provider sends it.
    sms_report = sms.report(rows[("sms", binh.pk)].request_id, send_status=5)
    assert client.get(sms_report).status_code == 200
    zns_msg_id, zns = next(iter(zalo.state.messages.items()))
    assert (
        _zalo_webhook(
            client,
            receipt(
                "user_received_message",
                "zns-user-binh",
                msg_id=zns_msg_id,
                tracking_id=zns["request_id"],
            ),
        ).status_code
        == 200
    )
    oa_msg_id = rows[("zalo", an.pk)].gateway_ref.removeprefix("oa:")
    seen = receipt("user_seen_message", AN_ON_ZALO, msg_ids=[oa_msg_id])
    assert _zalo_webhook(client, seen).status_code == 200
    shown = client.post(
        reverse("announcement_push_receipt"),
        json.dumps({"token": pushed["payload"]["receipt"], "event": "shown"}),
        content_type="application/json",
    )
    assert shown.status_code == 200
    client.force_login(an.account)
    assert (
        client.get(reverse("announcement_public", args=[announcement.public_code])).status_code
        == 200
    )
    client.logout()
    item = SpeakerItem.objects.get(announcement=announcement, cluster=cluster)
    speakers.item_played(cluster=cluster, item_id=item.pk)

    for row in rows.values():
        row.refresh_from_db()
    assert rows[("sms", binh.pk)].status == "delivered"
    assert rows[("zalo", binh.pk)].status == "delivered"
    assert rows[("zalo", an.pk)].status == "read"
    assert rows[("webpush", an.pk)].status == "delivered"

    # The reach page counts every channel, per household and per person.
    reach = selectors.reach(announcement=announcement)
    lanes = {lane["key"]: lane for lane in reach["lanes"]}
    for key in ("web", "email", "sms", "zalo", "webpush", "loudspeakers"):
        assert lanes[key]["households"] == 1, (key, lanes[key])
    assert lanes["sms"]["people"] == 2 and lanes["zalo"]["people"] == 2
    assert lanes["sms"]["messages"]["delivered"] == 1
    assert lanes["zalo"]["messages"]["delivered"] == 1 and lanes["zalo"]["messages"]["read"] == 1
    assert lanes["webpush"]["messages"]["delivered"] == 1
    assert (reach["reached_households"], reach["audience_households"]) == (1, 1)
    assert reach["not_reached"] == []
    client.force_login(village_head)
    page = client.get(reverse("announcement_detail", args=[announcement.pk])).content.decode()
    for label in ("Thông báo đẩy", "SMS", "Zalo", "Loa"):
        assert label in page, label
    # The channels it was sent on, by their names.
    assert "Bảng tin trên web, Thông báo đẩy, Thư điện tử, SMS, Zalo" in page


def test_the_oa_brings_a_residents_feedback_in_and_answers_with_its_code(
    client: Any,
    world: Any,
    providers: dict[str, Any],
    household: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    zalo = providers["zalo"]
    feedback_services.categories_ensure_defaults(village=world.village)
    message = event("user_send_text", AN_ON_ZALO, text="Mất điện cả ngõ Văn hóa từ tối qua.")
    with django_capture_on_commit_callbacks(execute=True):
        assert _zalo_webhook(client, message).status_code == 200
    report = Report.objects.get(village=world.village)
    assert report.description.startswith("Mất điện")
    # An linked his Zalo account with a code: the report knows it is his.
    assert report.zalo_follower.resident == household["an"]
    # The tracking code goes back into the same conversation.
    [reply] = zalo.texts_to(AN_ON_ZALO)
    assert report.tracking_code in reply
