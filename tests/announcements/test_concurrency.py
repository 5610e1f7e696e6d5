"""Workers share the outbox: locked rows are skipped, and the rate limit holds."""

import threading

import pytest
from django.db import connection, transaction

from announcements import services
from announcements.models import Delivery
from tests.announcements.factories import AnnouncementFactory
from tests.conftest import POSTGRES_AVAILABLE


@pytest.mark.skipif(not POSTGRES_AVAILABLE, reason="SKIP LOCKED needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_drain_skips_the_rows_another_worker_holds(world, gateway, settings) -> None:
    settings.ANNOUNCEMENTS_DRAIN_WORKERS = 0  # the test drains by hand
    announcement = AnnouncementFactory(village=world.village, channels=["sms"])
    services.announcement_send(announcement=announcement)
    held = Delivery.objects.order_by("pk").first()
    locked, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        with transaction.atomic():
            list(Delivery.objects.select_for_update().filter(pk=held.pk))
            locked.set()
            release.wait(30)
        connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert locked.wait(10)
    try:
        assert services.deliveries_drain(channel="sms") == 1  # the row not held
    finally:
        release.set()
        thread.join()
    held.refresh_from_db()
    assert held.status == "queued"
    assert services.deliveries_drain(channel="sms") == 1
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert len(gateway.sms.state.messages) == 2


@pytest.mark.django_db
def test_the_per_channel_rate_limit_makes_the_sender_wait(world, gateway, settings, monkeypatch):
    settings.ANNOUNCEMENTS_RATE_SMS = 1
    waits: list[float] = []
    clock = [1_000_000.0]

    def fake_time() -> float:
        return clock[0]

    def fake_sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr(services.time, "time", fake_time)
    monkeypatch.setattr(services.time, "sleep", fake_sleep)
    announcement = AnnouncementFactory(village=world.village, channels=["sms"])
    services.announcement_send(announcement=announcement)
    services.deliveries_drain(channel="sms")
    # Two messages at one per second: the second waits for the next second.
    assert waits == [1.0]
    assert len(gateway.sms.state.messages) == 2
