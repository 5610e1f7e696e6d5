"""Zalo's receipts (the OA webhook's ``user_received_message`` and ``user_seen_message``) for
the ZNS and OA messages announcements sent: delivered, read, and unknown rows settled."""

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from announcements import services
from announcements.models import Delivery
from tests.announcements.factories import AnnouncementFactory
from tests.feedback.fake_zalo_oa import FakeZaloOA, receipt, signed

pytestmark = pytest.mark.django_db

URL = "/feedback/zalo/webhook/"
PERSON = "8466521135428172000"


@pytest.fixture
def oa(settings: Any, world: Any) -> Iterator[FakeZaloOA]:
    """One fake Zalo for ZNS, the token and the OA webhook, as one Zalo app serves them all."""
    with FakeZaloOA() as fake:
        for name, value in fake.env().items():
            setattr(settings, name, value)
        settings.FEEDBACK_ZALO_VILLAGE = str(world.village.pk)
        settings.ANNOUNCEMENTS_RETRY_SECONDS = 0
        yield fake


@pytest.fixture
def post(client: Any) -> Any:
    def send(body: Any, **headers: Any) -> Any:
        raw, signature = signed(body)
        return client.post(
            URL, data=raw, content_type="application/json", HTTP_X_ZEVENT_SIGNATURE=signature
        )

    return send


def _sent(world: Any, oa: FakeZaloOA, *, drop: int = 0) -> list[Delivery]:
    announcement = AnnouncementFactory(village=world.village, channels=["zalo"])
    services.announcement_send(announcement=announcement)
    oa.state.drop_next = drop
    for _ in range(20):
        if not services.deliveries_drain(channel="zalo"):
            break
    return list(Delivery.objects.filter(announcement=announcement).order_by("pk"))


def _msg_id(oa: FakeZaloOA, row: Delivery) -> str:
    return next(k for k, m in oa.state.messages.items() if m["request_id"] == row.request_id)


def test_a_zns_receipt_makes_the_message_delivered(world, oa, post) -> None:
    row = _sent(world, oa)[0]
    assert row.status == "sent"
    answer = post(
        receipt(
            "user_received_message",
            PERSON,
            msg_id=row.gateway_ref,
            tracking_id=row.request_id,
            delivery_time_ms=1_800_000_000_000,
        )
    )
    assert answer.status_code == 200 and answer.json()["receipt"] == "delivered"
    row.refresh_from_db()
    assert row.status == "delivered"
    assert int(row.delivered_at.timestamp() * 1000) == 1_800_000_000_000


def test_a_receipt_settles_an_unknown_row_as_delivered_and_it_is_never_resent(
    world, oa, post
) -> None:
    rows = _sent(world, oa, drop=1)  # the first answer is lost: Zalo has the message
    unknown = next(r for r in rows if r.status == "unknown")
    msg_id = _msg_id(oa, unknown)
    answer = post(
        receipt("user_received_message", PERSON, msg_id=msg_id, tracking_id=unknown.request_id)
    )
    assert answer.json()["receipt"] == "delivered"
    unknown.refresh_from_db()
    assert unknown.status == "delivered" and unknown.gateway_ref == msg_id
    assert unknown.sent_at is not None
    for _ in range(5):
        services.deliveries_drain(channel="zalo")
    assert set(oa.state.per_recipient().values()) == {1}


def test_a_repeated_receipt_changes_nothing(world, oa, post) -> None:
    row = _sent(world, oa)[0]
    body = receipt(
        "user_received_message", PERSON, msg_id=row.gateway_ref, tracking_id=row.request_id
    )
    post(body)
    row.refresh_from_db()
    first = (row.status, row.delivered_at)
    again = post(body)
    assert again.status_code == 200 and again.json()["receipt"] == "duplicate"
    row.refresh_from_db()
    assert (row.status, row.delivered_at) == first


def test_a_seen_receipt_makes_delivered_messages_read(world, oa, post) -> None:
    rows = _sent(world, oa)
    post(
        receipt(
            "user_received_message",
            PERSON,
            msg_id=rows[0].gateway_ref,
            tracking_id=rows[0].request_id,
        )
    )
    answer = post(receipt("user_seen_message", PERSON, msg_ids=[r.gateway_ref for r in rows]))
    assert answer.json()["receipt"] == "read"
    statuses = sorted(Delivery.objects.values_list("status", flat=True))
    assert statuses == ["read", "read"]


def test_a_receipt_for_no_message_of_ours_is_answered_200_and_logged(
    world, oa, post, caplog
) -> None:
    rows = _sent(world, oa)
    with caplog.at_level(logging.INFO, logger="announcements.services"):
        answer = post(
            receipt("user_received_message", PERSON, msg_id="nope", tracking_id="vp-0-deadbeef")
        )
    assert answer.status_code == 200 and answer.json()["receipt"] == "unknown"
    assert "for no message of ours" in caplog.text and PERSON not in caplog.text
    assert {r.status for r in Delivery.objects.filter(pk__in=[r.pk for r in rows])} == {"sent"}


def test_a_receipt_keeps_the_webhook_rules(world, oa, post, client) -> None:
    row = _sent(world, oa)[0]
    body = receipt(
        "user_received_message", PERSON, msg_id=row.gateway_ref, tracking_id=row.request_id
    )
    raw, _signature = signed(body)
    forged = client.post(
        URL, data=raw, content_type="application/json", HTTP_X_ZEVENT_SIGNATURE="mac=" + "0" * 64
    )
    assert forged.status_code == 403
    stale = receipt(
        "user_received_message",
        PERSON,
        msg_id=row.gateway_ref,
        tracking_id=row.request_id,
        timestamp_ms=1_000_000_000_000,
    )
    assert post(stale).status_code == 403
    row.refresh_from_db()
    assert row.status == "sent"
    # A receipt without a message is answered (Zalo must not retry it) and changes nothing.
    bare = receipt("user_received_message", PERSON)
    bare["message"] = "nothing"
    assert post(bare).json()["receipt"] == "malformed"
