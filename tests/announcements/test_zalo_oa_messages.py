"""Announcements through the village's Zalo OA: a linked follower who wrote recently gets an OA
message, everybody else a ZNS; Zalo's refusals decide between later, ZNS and failure."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from announcements import crypto, services, zalo
from announcements.models import Delivery, ZaloToken
from feedback.models import ZaloFollower
from households.models import Resident
from tests.announcements.factories import AnnouncementFactory
from tests.feedback.fake_zalo_oa import FakeZaloOA, receipt, signed

pytestmark = pytest.mark.django_db

PERSON = "8466521135428172000"


@pytest.fixture
def oa(settings: Any, world: Any) -> Iterator[FakeZaloOA]:
    with FakeZaloOA() as fake:
        for name, value in fake.env().items():
            setattr(settings, name, value)
        settings.ANNOUNCEMENTS_ZALO_OA_URL = fake.url
        settings.ANNOUNCEMENTS_ZALO_OA_WINDOW_HOURS = 48
        settings.FEEDBACK_ZALO_VILLAGE = str(world.village.pk)
        settings.ANNOUNCEMENTS_RETRY_SECONDS = 0
        fake.state.followers.add(PERSON)
        yield fake


def _head(world: Any) -> Resident:
    return Resident.objects.get(household=world.household, is_head=True)


def _link(
    world: Any, *, wrote_ago: timedelta = timedelta(hours=1), verified: bool = True
) -> ZaloFollower:
    now = timezone.now()
    return ZaloFollower.objects.create(
        village=world.village,
        user_id=PERSON,
        following=True,
        resident=_head(world),
        consent_at=now - timedelta(days=30),
        consent_text="Chia sẻ số điện thoại",
        last_interaction_at=now - wrote_ago,
        verified_at=(now - timedelta(days=29)) if verified else None,
        verified_how="code" if verified else "",
    )


def _send(world: Any, **fields: Any) -> dict[str, Delivery]:
    announcement = AnnouncementFactory(
        village=world.village, channels=["zalo"], title="Họp thôn", **fields
    )
    services.announcement_send(announcement=announcement)
    services.deliveries_drain(channel="zalo")
    rows = Delivery.objects.filter(announcement=announcement).select_related("resident")
    return {("head" if row.resident.is_head else "other"): row for row in rows}


def test_a_follower_who_wrote_recently_gets_an_oa_message_and_the_others_a_zns(world, oa) -> None:
    _link(world)
    rows = _send(world)
    head, other = rows["head"], rows["other"]
    assert head.status == "sent" and head.gateway_ref.startswith("oa:")
    assert [m["user_id"] for m in oa.state.sent] == [PERSON]
    assert oa.state.sent[0]["text"].startswith("Họp thôn")
    assert head.gateway_ref == "oa:" + oa.state.sent[0]["message_id"]
    # The other member of the household is not a follower: ZNS to the phone.
    assert other.status == "sent" and other.gateway_ref in oa.state.messages
    assert {m["to"] for m in oa.state.messages.values()} == {"84" + other.address[3:]}


def test_an_unverified_link_gets_a_zns_and_no_oa_message(world, oa) -> None:
    """A follower who only typed the resident's phone number proves nothing: the resident's
    announcements go to their own phone by ZNS, never to that Zalo account."""
    _link(world, verified=False)
    rows = _send(world)
    assert rows["head"].status == "sent" and not rows["head"].gateway_ref.startswith("oa:")
    assert not oa.state.sent
    assert rows["head"].gateway_ref in oa.state.messages  # the ZNS to the head's phone


def test_after_unlinking_the_resident_gets_a_zns(world, oa) -> None:
    from feedback import zalo_link

    _link(world)
    zalo_link.link_unlink(resident=_head(world))
    rows = _send(world)
    assert rows["head"].status == "sent" and rows["head"].gateway_ref in oa.state.messages
    assert not oa.state.sent


def test_outside_the_window_the_follower_gets_a_zns(world, oa) -> None:
    _link(world, wrote_ago=timedelta(days=3))
    rows = _send(world)
    assert not oa.state.sent
    assert rows["head"].status == "sent" and rows["head"].gateway_ref in oa.state.messages


@pytest.mark.parametrize(
    "refusal",
    [
        lambda state: state.silent.add(PERSON),  # our record says they wrote; Zalo: -230
        lambda state: state.followers.clear(),  # unfollowed since the last event: -213
    ],
    ids=["silent-for-7-days", "unfollowed"],
)
def test_a_follower_the_oa_may_not_write_to_gets_a_zns_in_the_same_send(world, oa, refusal) -> None:
    _link(world)
    refusal(oa.state)
    rows = _send(world)
    head = rows["head"]
    assert head.status == "sent" and head.attempts == 1
    assert head.gateway_ref in oa.state.messages and not oa.state.sent


def test_an_unfollowed_person_without_a_zns_template_fails_with_the_reason(
    world, oa, settings
) -> None:
    settings.ANNOUNCEMENTS_ZALO_TEMPLATE_ID = ""
    _link(world)
    oa.state.followers.clear()  # unfollowed since: -213
    rows = _send(world)
    assert rows["head"].status == "failed"
    assert "-213" in rows["head"].reason and "no ZNS template" in rows["head"].reason
    assert not oa.state.sent and not oa.state.messages


def test_a_refused_token_is_refreshed_and_the_oa_message_sent_once(world, oa) -> None:
    _link(world)
    zalo.access_token()  # a first token
    oa.expire_tokens()  # -216 from now on for the old token
    _send(world)
    for _ in range(5):
        services.deliveries_drain(channel="zalo")
    assert [m["user_id"] for m in oa.state.sent] == [PERSON]
    assert crypto.decrypt(ZaloToken.objects.get().refresh_token) == "refresh-2"
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_over_the_rate_limit_the_message_waits_and_nothing_is_sent(world, oa, settings) -> None:
    settings.ANNOUNCEMENTS_RETRY_SECONDS = 600
    _link(world)
    oa.state.rate_limited = 1
    rows = _send(world)
    head = rows["head"]
    assert head.status == "queued" and "-32" in head.reason
    assert head.next_attempt_at > timezone.now()
    assert not oa.state.sent


def test_oa_receipts_count_as_delivered_then_read_and_the_reach_page_tells_the_ways(
    world, oa, client, village_head
) -> None:
    _link(world)
    head = _send(world)["head"]
    message_id = head.gateway_ref.removeprefix("oa:")
    for body in (
        receipt("user_received_message", PERSON, msg_id=message_id),
        receipt("user_seen_message", PERSON, msg_ids=[message_id]),
    ):
        raw, signature = signed(body)
        answer = client.post(
            "/feedback/zalo/webhook/",
            data=raw,
            content_type="application/json",
            HTTP_X_ZEVENT_SIGNATURE=signature,
        )
        assert answer.status_code == 200
    head.refresh_from_db()
    assert head.status == "read" and head.delivered_at and head.read_at
    client.force_login(village_head)
    page = client.get(reverse("announcement_detail", args=[head.announcement_id]))
    assert 'data-testid="zalo-ways"' in page.content.decode()
    assert "1 qua OA, 1 qua ZNS" in page.content.decode()


def test_a_persons_message_to_the_oa_opens_the_window(
    world, oa, client, django_capture_on_commit_callbacks
) -> None:
    from tests.feedback.fake_zalo_oa import event

    follower = _link(world, wrote_ago=timedelta(days=5))
    raw, signature = signed(event("user_send_text", PERSON, text="Đèn đường ngõ 3 hỏng"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/feedback/zalo/webhook/",
            data=raw,
            content_type="application/json",
            HTTP_X_ZEVENT_SIGNATURE=signature,
        )
    follower.refresh_from_db()
    assert follower.last_interaction_at > timezone.now() - timedelta(minutes=5)
