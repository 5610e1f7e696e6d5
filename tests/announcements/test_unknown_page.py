"""The staff page of messages that may have been sent: staff check, then settle each once."""

import pytest
from django.urls import reverse

from announcements import services
from announcements.models import Delivery
from tests.announcements.factories import AnnouncementFactory

pytestmark = pytest.mark.django_db

LIST = "announcement_unknown_list"
SETTLE = "announcement_unknown_settle"


def _drain_all(channel: str) -> None:
    for _ in range(50):
        if not services.deliveries_drain(channel=channel):
            return


def _lost_answer(world, gateway) -> tuple[Delivery, Delivery]:
    """A Zalo announcement to the household's two people whose first answer was lost."""
    announcement = AnnouncementFactory(village=world.village, channels=["zalo"], title="Họp thôn")
    services.announcement_send(announcement=announcement)
    gateway.zalo.state.drop_next = 1
    _drain_all("zalo")
    rows = Delivery.objects.filter(announcement=announcement)
    unknown = rows.get(status="unknown")
    other = rows.exclude(pk=unknown.pk).get()
    return unknown, other


def test_the_head_sees_the_message_to_check_with_the_household_and_a_masked_phone(
    client, village_head, world, gateway
) -> None:
    unknown, _other = _lost_answer(world, gateway)
    client.force_login(village_head)
    page = client.get(reverse(LIST)).content.decode()
    assert f'data-delivery="{unknown.pk}"' in page
    assert "Họp thôn" in page and "Số nhà 5A" in page and "Ngõ Văn hóa" in page
    assert "***" + unknown.address[-3:] in page
    assert unknown.address not in page  # never the whole number
    # The announcement's reach page and the manage list link to it, with the count.
    detail = client.get(reverse("announcement_detail", args=[unknown.announcement_id]))
    assert f"{reverse(LIST)}?announcement={unknown.announcement_id}" in detail.content.decode()
    listing = client.get(reverse("announcement_list")).content.decode()
    assert 'data-testid="unknown-link"' in listing and reverse(LIST) in listing


def test_marking_received_settles_the_row_and_sends_nothing(
    client, village_head, world, gateway
) -> None:
    unknown, _other = _lost_answer(world, gateway)
    before = dict(gateway.per_recipient())
    client.force_login(village_head)
    response = client.post(reverse(SETTLE), {"action": f"arrived:{unknown.pk}"}, follow=True)
    unknown.refresh_from_db()
    assert unknown.status == "sent" and unknown.sent_at is not None
    assert dict(gateway.per_recipient()) == before
    assert "không gửi lại" in response.content.decode()
    # Nothing left to check: the badge is gone.
    assert (
        'data-testid="unknown-link"'
        not in client.get(reverse("announcement_list")).content.decode()
    )


def test_a_double_click_on_send_again_sends_the_message_once_more_only(
    client, village_head, world, gateway
) -> None:
    unknown, _other = _lost_answer(world, gateway)
    phone = ("zalo", "84" + unknown.address[3:])
    assert gateway.per_recipient()[phone] == 1  # Zalo did send it; its answer was lost
    client.force_login(village_head)
    client.post(reverse(SETTLE), {"action": f"resend:{unknown.pk}"})
    second = client.post(reverse(SETTLE), {"action": f"resend:{unknown.pk}"}, follow=True)
    _drain_all("zalo")
    unknown.refresh_from_db()
    assert unknown.status == "sent"
    assert gateway.per_recipient()[phone] == 2  # the explicit resend, once
    assert "đã được xử lý" in second.content.decode()


def test_the_ticked_rows_are_settled_together(client, officer, world, gateway) -> None:
    first, _other = _lost_answer(world, gateway)
    second, _ = _lost_answer(world, gateway)
    client.force_login(officer)
    client.post(reverse(SETTLE), {"action": "arrived", "delivery": [first.pk, second.pk]})
    assert set(
        Delivery.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)
    ) == {"sent"}


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"action": "arrived"}, "Hãy đánh dấu ít nhất một tin nhắn"),
        ({"action": "explode:1"}, "Hãy chọn việc cần làm"),
        ({"action": "resend", "delivery": ["x"]}, "Hãy đánh dấu ít nhất một tin nhắn"),
        ({}, "Hãy chọn việc cần làm"),
    ],
    ids=["nothing-ticked", "unknown-action", "not-a-number", "empty"],
)
def test_bad_input_changes_nothing_and_says_why(
    client, village_head, world, gateway, data, says
) -> None:
    unknown, _other = _lost_answer(world, gateway)
    client.force_login(village_head)
    response = client.post(reverse(SETTLE), data, follow=True)
    assert response.status_code == 200
    assert says in response.content.decode()
    unknown.refresh_from_db()
    assert unknown.status == "unknown"


def test_another_villages_row_is_not_found_and_unchanged(client, outsider, world, gateway) -> None:
    unknown, _other = _lost_answer(world, gateway)
    client.force_login(outsider)
    assert client.post(reverse(SETTLE), {"action": f"resend:{unknown.pk}"}).status_code == 404
    assert (
        client.post(reverse(SETTLE), {"action": "arrived", "delivery": [unknown.pk]}).status_code
        == 404
    )
    unknown.refresh_from_db()
    assert unknown.status == "unknown"
    assert f'data-delivery="{unknown.pk}"' not in client.get(reverse(LIST)).content.decode()


def test_the_page_refuses_get_on_the_action_and_roles_without_writing(
    client, village_head, security_officer, world
) -> None:
    client.force_login(village_head)
    assert client.get(reverse(SETTLE)).status_code == 405
    client.force_login(security_officer)
    assert client.get(reverse(LIST)).status_code == 403
