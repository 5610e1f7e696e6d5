"""The real providers' protocols, against fakes that answer as eSMS and Zalo document."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from announcements import crypto, services, zalo
from announcements.models import Delivery, UnknownDelivery, ZaloToken, ZnsTemplate
from tests.announcements.factories import AnnouncementFactory
from tests.conftest import POSTGRES_AVAILABLE
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _drain_all(channel: str) -> None:
    for _ in range(50):
        if not services.deliveries_drain(channel=channel):
            return


def _send(world, channel: str, **fields) -> list[Delivery]:
    announcement = AnnouncementFactory(village=world.village, channels=[channel], **fields)
    services.announcement_send(announcement=announcement)
    return list(Delivery.objects.filter(announcement=announcement).order_by("pk"))


# Zalo ZNS ------------------------------------------------------------------------------------


def test_a_zns_success_is_taken_as_sent_with_its_msg_id(world, gateway) -> None:
    ZnsTemplate.objects.create(
        template_id="tb-002",
        name="Thông báo thôn",
        params=[
            {"name": "ten_thon", "source": "village", "max_length": 30},
            {"name": "tieu_de", "source": "title", "max_length": 10},
            {"name": "nguoi_nhan", "source": "resident_name", "max_length": 30},
        ],
    )
    gateway.zalo.state.templates["tb-002"] = (True, {"ten_thon", "tieu_de", "nguoi_nhan"})
    rows = _send(world, "zalo", title="Họp thôn tối thứ Sáu")
    _drain_all("zalo")
    messages = gateway.zalo.state.messages
    for row in rows:
        row.refresh_from_db()
        assert row.status == "sent" and row.gateway_ref in messages
        sent = messages[row.gateway_ref]
        assert sent["request_id"] == row.request_id  # the tracking_id, written before the call
        assert sent["to"] == "84" + row.address[3:]  # 84..., no "+"
        assert sent["template_id"] == "tb-002"
        assert sent["template_data"] == {
            "ten_thon": world.village.name[:30],
            "tieu_de": "Họp thôn t",
            "nguoi_nhan": row.resident.full_name,
        }
    # The OA's first refresh token was spent and the rotated one kept, encrypted.
    token = ZaloToken.objects.get()
    assert gateway.zalo.state.refreshes == 1
    assert "refresh-1" not in token.refresh_token
    assert crypto.decrypt(token.refresh_token) == "refresh-1"
    assert crypto.decrypt(token.access_token) in gateway.zalo.state.access_tokens


@pytest.mark.parametrize(
    ("setup", "status", "reason"),
    [
        (lambda s: s.templates.update({"tb-001": (False, {"title", "content"})}), "failed", "-131"),
        (lambda s: s.not_on_zalo.update({"84980000000", "84980000001"}), "failed", "-118"),
        (lambda s: setattr(s, "daily_quota", 0), "queued", "-144"),
    ],
    ids=["template-not-approved", "not-on-zalo", "quota-used-up"],
)
def test_zns_error_codes_fail_or_wait_as_they_mean(world, gateway, settings, setup, status, reason):
    settings.ANNOUNCEMENTS_RETRY_SECONDS = 60
    setup(gateway.zalo.state)
    rows = _send(world, "zalo")
    services.deliveries_drain(channel="zalo")
    for row in rows:
        row.refresh_from_db()
        assert row.status == status and reason in row.reason
        assert row.attempts == 1
    assert not gateway.zalo.state.messages


def test_a_refused_access_token_is_refreshed_and_the_message_sent(world, gateway) -> None:
    rows = _send(world, "zalo")
    services.deliveries_drain(channel="zalo", limit=1)
    gateway.zalo.expire_tokens()  # Zalo answers -124 from now on to the old token
    _drain_all("zalo")
    for row in rows:
        row.refresh_from_db()
        assert row.status == "sent"
    assert gateway.zalo.state.refreshes == 2
    assert crypto.decrypt(ZaloToken.objects.get().refresh_token) == "refresh-2"
    assert set(gateway.per_recipient().values()) == {1}


def test_the_access_token_is_refreshed_before_it_expires(world, gateway, settings) -> None:
    settings.ANNOUNCEMENTS_ZALO_REFRESH_MARGIN = 3600
    first = zalo.access_token()
    assert zalo.access_token() == first  # fresh: no refresh
    ZaloToken.objects.update(expires_at=timezone.now() + timezone.timedelta(minutes=30))
    second = zalo.access_token()
    assert second != first and gateway.zalo.state.refreshes == 2


def test_a_refused_refresh_token_keeps_messages_waiting(world, gateway) -> None:
    gateway.zalo.state.refresh_tokens.clear()
    rows = _send(world, "zalo")
    services.deliveries_drain(channel="zalo")
    for row in rows:
        row.refresh_from_db()
        assert row.status == "queued" and "refresh refused" in row.reason
    assert "Refresh token is invalid" in ZaloToken.objects.get().last_error
    assert crypto.decrypt(ZaloToken.objects.get().refresh_token) == "refresh-0"
    assert not gateway.zalo.state.messages


@pytest.mark.skipif(not POSTGRES_AVAILABLE, reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_refresh_the_token_once(world, gateway) -> None:
    zalo.access_token()
    ZaloToken.objects.update(expires_at=timezone.now())
    gateway.zalo.state.delay = 0.2  # the refresh takes a while: the others must wait for it
    tokens: list[str] = []

    def worker() -> None:
        try:
            tokens.append(zalo.access_token())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(tokens)) == 1 and len(tokens) == 4
    assert gateway.zalo.state.refreshes == 2  # the first one, then exactly one more
    assert crypto.decrypt(ZaloToken.objects.get().refresh_token) == "refresh-2"


def test_a_lost_zns_answer_is_never_resent_but_listed_for_staff(world, gateway, client) -> None:
    rows = _send(world, "zalo")
    gateway.zalo.state.drop_next = 1  # Zalo sends the first message; its answer never arrives
    services.deliveries_drain(channel="zalo")
    _drain_all("zalo")
    statuses = sorted(Delivery.objects.values_list("status", flat=True))
    assert statuses == ["sent", "unknown"]
    assert all(count == 1 for count in gateway.zalo.state.tracking_ids.values())
    assert set(gateway.per_recipient().values()) == {1}
    unknown = Delivery.objects.get(status="unknown")
    assert list(UnknownDelivery.objects.values_list("pk", flat=True)) == [unknown.pk]
    # Staff see it, and settle it.
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    page = client.get(reverse("admin:announcements_unknowndelivery_changelist"))
    assert page.status_code == 200 and unknown.request_id in page.content.decode()
    services.delivery_unknown_resolve(delivery=unknown, sent=True, by=admin)
    unknown.refresh_from_db()
    assert unknown.status == "sent"
    with pytest.raises(ValidationError):
        services.delivery_unknown_resolve(delivery=unknown, sent=False, by=admin)
    assert rows


def test_a_template_must_name_known_fields() -> None:
    template = ZnsTemplate(template_id="x", name="x", params=[{"name": "a", "source": "nope"}])
    with pytest.raises(ValidationError):
        template.full_clean()
    template.params = [{"name": "a", "source": "title"}, {"name": "a", "source": "body"}]
    with pytest.raises(ValidationError):
        template.full_clean()
    template.params = [{"name": "a", "source": "title", "max_length": 30}]
    template.full_clean()


# eSMS ----------------------------------------------------------------------------------------


def test_esms_gets_its_documented_request(world, gateway) -> None:
    rows = _send(world, "sms", title="Tiêm phòng", body="Sáng mai tiêm phòng cho gia súc.")
    _drain_all("sms")
    state = gateway.sms.state
    for row in rows:
        row.refresh_from_db()
        sent = state.messages[row.gateway_ref]
        assert row.status == "sent"
        assert sent["to"] == "0" + row.address[3:]
        assert sent["request_id"] == row.request_id
        assert sent["unicode"] == "1"
        assert sent["callback"].startswith("https://portal.example.vn/announcements/callbacks/")


def test_a_lost_esms_answer_is_asked_again_with_the_same_request_id(world, gateway) -> None:
    _send(world, "sms")
    gateway.sms.state.drop_next = 1  # eSMS takes the first message; its answer never arrives
    services.deliveries_drain(channel="sms")
    assert Delivery.objects.filter(status="sending").count() == 1
    _drain_all("sms")
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert gateway.sms.state.duplicates == 1  # eSMS answered 124: it had it already
    assert set(gateway.per_recipient().values()) == {1}
    assert len(gateway.sms.state.messages) == 2


def test_past_the_request_id_window_an_esms_message_is_unknown(world, gateway) -> None:
    _send(world, "sms")
    gateway.sms.state.drop_next = 1
    services.deliveries_drain(channel="sms")
    Delivery.objects.filter(status="sending").update(
        first_tried_at=timezone.now() - timezone.timedelta(hours=25)
    )
    _drain_all("sms")
    assert sorted(Delivery.objects.values_list("status", flat=True)) == ["sent", "unknown"]
    assert gateway.sms.state.duplicates == 0 and len(gateway.sms.state.messages) == 2


def test_esms_delivery_reports(world, gateway, client) -> None:
    first, second = _send(world, "sms")
    _drain_all("sms")
    first.refresh_from_db()
    second.refresh_from_db()
    report = gateway.sms.report(first.request_id, send_status=5)
    assert client.get(report).status_code == 200
    first.refresh_from_db()
    assert first.status == "delivered" and first.delivered_at
    # A replay, or a later contrary report, changes nothing.
    delivered_at = first.delivered_at
    assert client.get(report).status_code == 200
    assert client.get(gateway.sms.report(first.request_id, send_status=4)).status_code == 200
    first.refresh_from_db()
    assert first.status == "delivered" and first.delivered_at == delivered_at
    # A rejection is recorded.
    assert client.get(gateway.sms.report(second.request_id, send_status=4)).status_code == 200
    second.refresh_from_db()
    assert second.status == "failed" and "SendStatus 4" in second.reason


def test_forged_esms_reports_change_nothing(world, gateway, client) -> None:
    first, second = _send(world, "sms")
    _drain_all("sms")
    first.refresh_from_db()
    second.refresh_from_db()
    report = gateway.sms.report(first.request_id)
    path, query = report.split("?")
    forged = path.rstrip("/").rsplit("/", 1)[0] + "/" + "0" * 32 + "/?" + query
    assert client.get(forged).status_code == 403
    # A signature of one message does not vouch for another.
    other = report.replace(first.request_id, second.request_id)
    assert client.get(other).status_code == 403
    assert client.get(path).status_code == 403  # no RequestId at all
    assert client.post(report).status_code == 405
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.parametrize("channel", ["sms", "zalo"])
def test_over_the_providers_rate_limit_a_message_waits_and_is_sent_once(
    world, gateway, channel
) -> None:
    import time_machine

    fake = gateway.sms if channel == "sms" else gateway.zalo
    fake.state.rate_limit = 1  # one request per second (the benchmark's realistic providers)
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        rows = _send(world, channel)
        assert len(rows) == 2
        services.deliveries_drain(channel=channel)
        statuses = sorted(
            Delivery.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", flat=True)
        )
        assert statuses == ["queued", "sent"]  # the second was answered 429: not sent, waiting
        assert fake.state.rate_limited >= 1
        assert len(fake.state.messages) == 1
    with time_machine.travel(start + timezone.timedelta(seconds=2), tick=False):
        _drain_all(channel)
    assert set(
        Delivery.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", flat=True)
    ) == {"sent"}
    assert sorted(fake.state.per_recipient().values()) == [1, 1]  # none twice, none lost
