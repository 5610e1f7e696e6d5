"""The outbox: rows written with the send, drained once, retried, failed with a reason."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import override

from announcements import services
from announcements.models import Announcement, Delivery, Group, Preference
from tests.announcements.factories import AnnouncementFactory
from tests.factories import HouseholdFactory, LaneFactory, ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


def _drain_all(channel: str) -> None:
    for _ in range(50):
        if not services.deliveries_drain(channel=channel):
            return


def test_sending_writes_one_row_per_recipient_and_channel(world, village_head, gateway) -> None:
    announcement = AnnouncementFactory(village=world.village, channels=["sms", "zalo"])
    services.announcement_send(announcement=announcement, by=village_head)
    rows = Delivery.objects.filter(announcement=announcement)
    # Two residents with phones in the village, none of the other village's.
    assert rows.count() == 4
    assert set(rows.values_list("channel", flat=True)) == {"sms", "zalo"}
    assert rows.filter(status="queued").count() == 4
    # A second write is refused by the unique constraint and writes nothing.
    again = services.deliveries_create(
        announcement=announcement,
        residents=services.announcement_residents(announcement),
        channels=["sms"],
    )
    assert again == 0
    assert rows.count() == 4


def test_the_drain_sends_each_message_once_with_its_request_id(world, gateway) -> None:
    announcement = AnnouncementFactory(village=world.village, channels=["sms", "zalo"])
    services.announcement_send(announcement=announcement)
    _drain_all("sms")
    _drain_all("zalo")
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert len(gateway.messages) == 4
    request_ids = {d.request_id for d in Delivery.objects.all()}
    assert request_ids == {m["request_id"] for m in gateway.messages.values()}
    assert set(Delivery.objects.values_list("gateway_ref", flat=True)) == set(gateway.messages)
    zalo = [m for m in gateway.messages.values() if m["channel"] == "zalo"]
    assert zalo[0]["template_id"] == "tb-001"
    # Draining again sends nothing more.
    _drain_all("sms")
    _drain_all("zalo")
    assert gateway.sms.state.requests == 2
    assert gateway.zalo.state.requests == 2


@pytest.mark.parametrize("threads", [1, 4])
def test_a_chunk_goes_out_from_several_threads_each_message_once(
    world, gateway, settings, threads
) -> None:
    settings.ANNOUNCEMENTS_SEND_THREADS = threads
    for n in range(10):
        ResidentFactory(household=world.household, full_name=f"Người {n}", phone=f"+8491{n:07d}")
    state = gateway.sms.state
    state.delay = 0.05
    announcement = AnnouncementFactory(village=world.village, channels=["sms"])
    services.announcement_send(announcement=announcement)
    rows = Delivery.objects.filter(announcement=announcement)
    assert services.deliveries_drain(channel="sms") == rows.count() == 12
    assert set(rows.values_list("status", flat=True)) == {"sent"}
    assert {row.request_id for row in rows} == set(state.request_ids)
    assert state.requests == 12 and state.duplicates == 0
    assert set(rows.values_list("gateway_ref", flat=True)) == set(state.messages)
    if threads == 1:
        assert state.max_in_flight == 1
    else:
        assert 1 < state.max_in_flight <= threads


def test_a_gateway_that_is_down_is_retried_then_the_row_fails_with_the_reason(
    world, gateway, settings
) -> None:
    settings.ANNOUNCEMENTS_MAX_ATTEMPTS = 3
    announcement = AnnouncementFactory(village=world.village, channels=["sms"])
    services.announcement_send(announcement=announcement)
    gateway.sms.state.fail_next = 2  # the first two tries of the first row fail
    _drain_all("sms")
    statuses = sorted(Delivery.objects.values_list("status", "attempts"))
    assert statuses == [("sent", 1), ("sent", 3)] or statuses == [("sent", 2), ("sent", 2)]
    gateway.sms.state.fail_next = 100
    second = AnnouncementFactory(village=world.village, channels=["sms"])
    services.announcement_send(announcement=second)
    _drain_all("sms")
    failed = Delivery.objects.filter(announcement=second)
    assert {d.status for d in failed} == {"failed"}
    assert all("eSMS error 503 (after 3 attempts)" in d.reason for d in failed)


def test_garbage_from_the_gateway_is_checked_not_taken_as_sent(world, gateway) -> None:
    announcement = AnnouncementFactory(village=world.village, channels=["sms"])
    services.announcement_send(announcement=announcement)
    gateway.sms.state.garbage_next = 1
    services.deliveries_drain(channel="sms")
    # Not sent, not failed: eSMS read the request, so it is asked again with its RequestId.
    assert Delivery.objects.filter(status="sending").count() == 1
    assert "not a result" in Delivery.objects.get(status="sending").reason
    _drain_all("sms")
    assert Delivery.objects.filter(status="sent").count() == 2
    assert set(gateway.per_recipient().values()) == {1}


def test_an_invalid_phone_is_skipped_with_the_reason(world, gateway) -> None:
    ResidentFactory(household=world.household, full_name="Số Sai", phone="12ab")
    announcement = AnnouncementFactory(village=world.village, channels=["sms"])
    services.announcement_send(announcement=announcement)
    _drain_all("sms")
    bad = Delivery.objects.get(address="12ab")
    assert bad.status == "failed" and bad.reason == "invalid phone number"
    assert len(gateway.sms.state.messages) == 2


def test_a_refused_number_fails_at_once_with_the_gateways_reason(world, gateway) -> None:
    resident = world.household.residents.first()
    gateway.sms.state.refuse_numbers = {"0" + resident.phone[3:]}
    announcement = AnnouncementFactory(village=world.village, channels=["sms"])
    services.announcement_send(announcement=announcement)
    _drain_all("sms")
    row = Delivery.objects.get(resident=resident)
    assert row.status == "failed" and row.reason == "eSMS 99: phone number blocked"
    assert row.attempts == 1


def test_sms_and_zalo_are_off_until_configured(world, settings) -> None:
    settings.ANNOUNCEMENTS_SMS_URL = ""
    settings.ANNOUNCEMENTS_ZALO_URL = ""
    assert services.available_channels() == ["web", "email"]
    announcement = AnnouncementFactory(village=world.village, channels=["sms", "web"])
    services.announcement_send(announcement=announcement)
    assert not Delivery.objects.filter(channel="sms").exists()


@override("en")
def test_an_empty_audience_and_a_past_time_are_refused(world, village_head) -> None:
    empty_lane = LaneFactory(village=world.village, name="Ngõ trống")
    announcement = AnnouncementFactory(
        village=world.village, audience=Announcement.Audience.LANES, channels=["web"]
    )
    announcement.lanes.set([empty_lane])
    with pytest.raises(ValidationError, match="audience is empty"):
        services.announcement_submit(announcement=announcement, by=village_head)
    full = AnnouncementFactory(village=world.village, channels=["web"])
    with pytest.raises(ValidationError, match="in the past"):
        services.announcement_submit(
            announcement=full, by=village_head, at=timezone.now() - timezone.timedelta(hours=2)
        )
    assert not Delivery.objects.exists()
    assert Announcement.objects.filter(status="draft").count() == 2


def test_audiences_lanes_groups_and_one_household(world) -> None:
    lane2 = LaneFactory(village=world.village, name="Xóm Bắc")
    shop = HouseholdFactory(lane=lane2, village=world.village, is_business=True)
    owner = ResidentFactory(household=shop, full_name="Chủ Quán", is_head=True)
    residents = services.audience_residents(village=world.village, audience="lanes", lanes=[lane2])
    assert list(residents) == [owner]
    business = Group.objects.create(village=world.village, kind="business", name="Hộ kinh doanh")
    union = Group.objects.create(village=world.village, kind="womens_union", name="Hội Phụ nữ")
    binh = world.household.residents.get(full_name="Trần Thị Bình")
    union.members.add(binh)
    residents = services.audience_residents(
        village=world.village, audience="groups", groups=[business, union]
    )
    assert set(residents) == {owner, binh}
    residents = services.audience_residents(
        village=world.village, audience="household", household=world.household
    )
    assert residents.count() == 2
    count = services.audience_count(
        residents=services.audience_residents(village=world.village, audience="village"),
        channels=["sms", "web"],
    )
    assert count == {"people": 3, "households": 2, "channels": {"sms": 2, "web": 0}}


def test_preferences_and_quiet_hours(world, gateway) -> None:
    an, binh = world.household.residents.order_by("full_name")
    Preference.objects.create(resident=an, sms=False)
    Preference.objects.create(resident=binh, quiet_from="00:00", quiet_until="23:59")
    general = AnnouncementFactory(village=world.village, channels=["sms"])
    services.announcement_send(announcement=general)
    assert Delivery.objects.filter(announcement=general).count() == 1  # an opted out
    _drain_all("sms")
    held = Delivery.objects.get(announcement=general)
    assert held.status == "queued" and held.reason == "quiet hours"
    assert held.next_attempt_at > timezone.now()
    emergency = AnnouncementFactory(
        village=world.village, channels=["sms"], kind=Announcement.Kind.EMERGENCY
    )
    services.announcement_send(announcement=emergency)
    _drain_all("sms")
    assert Delivery.objects.get(announcement=emergency).status == "sent"


def test_web_and_email_deliveries_and_reading(world) -> None:
    resident = world.household.residents.get(full_name="Nguyễn Văn An")
    resident.account = UserFactory(email="an@example.com", full_name=resident.full_name)
    resident.save()
    announcement = AnnouncementFactory(village=world.village, channels=["web", "email"])
    services.announcement_send(announcement=announcement)
    _drain_all("web")
    _drain_all("email")
    web = Delivery.objects.get(channel="web")
    assert web.status == "delivered"
    assert Delivery.objects.get(channel="email").status == "sent"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["an@example.com"]
    assert announcement.title in mail.outbox[0].subject
    assert mail.outbox[0].alternatives
    services.announcement_read(announcement=announcement, resident=resident)
    web.refresh_from_db()
    assert web.status == "read"


def test_webhook_receipts_mark_delivered_and_failed(world, gateway) -> None:
    announcement = AnnouncementFactory(village=world.village, channels=["sms"])
    services.announcement_send(announcement=announcement)
    _drain_all("sms")
    first, second = Delivery.objects.order_by("pk")
    services.delivery_receipt(
        channel="sms", payload={"reference": first.idempotency_key, "status": "delivered"}
    )
    services.delivery_receipt(
        channel="sms",
        payload={"reference": second.idempotency_key, "status": "failed", "reason": "tắt máy"},
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "delivered" and first.delivered_at
    assert second.status == "failed" and second.reason == "tắt máy"
    with pytest.raises(ValidationError):
        services.delivery_receipt(channel="sms", payload={"reference": "vp-ann-999999"})


def test_withdrawing_cancels_the_unsent_and_tells_those_who_got_it(world, gateway) -> None:
    announcement = AnnouncementFactory(village=world.village, channels=["sms"])
    services.announcement_send(announcement=announcement)
    services.deliveries_drain(channel="sms", limit=1)
    services.announcement_withdraw(announcement=announcement, by=None, reason="Nhầm ngày")
    statuses = sorted(
        Delivery.objects.filter(announcement=announcement).values_list("status", flat=True)
    )
    assert statuses == ["failed", "sent"]
    notice = announcement.corrections.get()
    _drain_all("sms")
    # The notice goes to the one person who had received the announcement.
    assert Delivery.objects.filter(announcement=notice).count() == 1
    assert Delivery.objects.get(announcement=notice).status == "sent"


def test_a_correction_goes_to_those_who_received_the_original(world, gateway) -> None:
    announcement = AnnouncementFactory(village=world.village, channels=["sms"])
    announcement = services.announcement_send(announcement=announcement)
    services.deliveries_drain(channel="sms", limit=1)
    correction = services.announcement_correct(
        announcement=announcement, by=None, title="Đính chính", body="Họp lúc 8h."
    )
    reached = Delivery.objects.filter(announcement=announcement, status="sent")
    assert list(
        Delivery.objects.filter(announcement=correction).values_list("resident", flat=True)
    ) == list(reached.values_list("resident", flat=True))


def test_meeting_reminders_are_scheduled_and_sent_when_due(world, gateway) -> None:
    event = timezone.now() + timezone.timedelta(days=3)
    meeting = AnnouncementFactory(
        village=world.village, channels=["sms"], kind="meeting", event_at=event
    )
    services.announcement_send(announcement=meeting)
    reminders = meeting.reminders.order_by("send_at")
    assert [r.send_at for r in reminders] == [
        event - timezone.timedelta(days=1),
        event - timezone.timedelta(hours=1),
    ]
    assert services.announcements_send_due() == 0
    reminders.filter(pk=reminders[0].pk).update(send_at=timezone.now())
    assert services.announcements_send_due() == 1
    assert Delivery.objects.filter(announcement=reminders[0]).count() == 2


def test_approval_holds_an_officers_announcement_until_the_head_approves(
    world, officer, village_head, settings
) -> None:
    settings.ANNOUNCEMENTS_REQUIRE_APPROVAL = True
    announcement = AnnouncementFactory(village=world.village, channels=["web"], created_by=officer)
    services.announcement_submit(announcement=announcement, by=officer)
    announcement.refresh_from_db()
    assert announcement.status == "pending_approval"
    assert not Delivery.objects.exists()
    services.announcement_approve(announcement=announcement, by=village_head)
    announcement.refresh_from_db()
    assert announcement.status == "sent" and announcement.approved_by == village_head
