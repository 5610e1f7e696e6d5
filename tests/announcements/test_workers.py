"""Real workers over Redis and PostgreSQL: 10,000 recipients per channel, a worker killed
mid-send on each provider (eSMS, Zalo ZNS)."""

import os
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from announcements import services
from announcements.models import Delivery, UnknownDelivery
from announcements.tasks import deliveries_drain_task
from households.models import Household, Resident, natural_key
from tests.announcements.factories import AnnouncementFactory
from tests.announcements.fake_gateway import FakeProviders
from tests.workers import Worker, celery_worker

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]

RECIPIENTS = 10_000


def _population(world: object, count: int) -> None:
    households = Household.objects.bulk_create(
        Household(
            village=world.village,
            lane=world.lane,
            house_number=f"K{n}",
            house_number_key=natural_key(f"K{n}"),
        )
        for n in range(count // 10)
    )
    Resident.objects.bulk_create(
        (
            Resident(
                household=household,
                full_name=f"Người nhận {i}-{j}",
                gender="female",
                phone=f"+8497{i * 10 + j:07d}",
                is_head=j == 0,
            )
            for i, household in enumerate(households)
            for j in range(10)
        ),
        batch_size=2000,
    )


def _enqueue(worker: Worker, channel: str) -> None:
    from villageportal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        deliveries_drain_task.apply_async(args=[channel, 600], queue=worker.queue)
    finally:
        app.conf.task_always_eager = previous


def _worker_pid(queue: str) -> int:
    """The pid of the worker this test started, found by its own queue name."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"worker" in cmdline and queue.encode() in cmdline:
            return int(entry)
    raise AssertionError(f"no worker process for {queue}")


def _kill_mid_send(tmp_path: Path, env: dict, fake: Any, channel: str) -> None:
    """A worker sends ``channel`` until the provider holds a message without answering; then
    it is killed (SIGKILL: no cleanup, no goodbye) with that message and its chunk in flight."""
    fake.state.stall_after = 3000
    with celery_worker(tmp_path, **env) as first:
        _enqueue(first, channel)
        assert fake.state.stalled.wait(240), first.log.read_text()[-3000:]
        os.kill(_worker_pid(first.queue), signal.SIGKILL)
        fake.state.stall_after = None
        fake.state.release.set()
    assert 3000 < len(fake.state.messages) < RECIPIENTS


def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(
    world, tmp_path: Path, settings
) -> None:
    settings.ANNOUNCEMENTS_DRAIN_WORKERS = 0  # the test hands the work to its own workers
    Resident.objects.filter(household=world.household).update(phone="")
    _population(world, RECIPIENTS)
    with FakeProviders() as providers:
        env = {
            **providers.env(),
            "ANNOUNCEMENTS_RATE_SMS": "0",
            "ANNOUNCEMENTS_RATE_ZALO": "0",
            # The killed worker's rows are checked with the provider once this is over.
            "ANNOUNCEMENTS_SEND_LEASE_SECONDS": "5",
        }
        for name, value in env.items():
            setattr(settings, name, value)
        announcement = AnnouncementFactory(village=world.village, channels=["sms", "zalo"])
        services.announcement_send(announcement=announcement)
        assert Delivery.objects.filter(announcement=announcement).count() == 2 * RECIPIENTS

        _kill_mid_send(tmp_path, env, providers.sms, "sms")
        _kill_mid_send(tmp_path, env, providers.zalo, "zalo")
        assert Delivery.objects.filter(status="sending").exists()

        with celery_worker(tmp_path, **env) as second:
            _enqueue(second, "sms")
            _enqueue(second, "zalo")
            deadline = time.monotonic() + 600
            while Delivery.objects.filter(status__in=["queued", "sending"]).exists():
                assert time.monotonic() < deadline, second.log.read_text()[-3000:]
                time.sleep(1)

    rows = Delivery.objects.filter(announcement=announcement)
    # SMS: eSMS deduplicates by RequestId, so every message in flight was asked about by
    # sending it again with its RequestId: 0 duplicates, 0 losses.
    sms = providers.sms.state
    per_phone = Counter(m["to"] for m in sms.messages.values())
    assert len(per_phone) == RECIPIENTS and set(per_phone.values()) == {1}
    assert sms.duplicates >= 1  # the stalled message, at least, was answered "124"
    sms_rows = rows.filter(channel="sms")
    assert sms_rows.filter(status="sent").count() == RECIPIENTS
    assert set(sms_rows.values_list("gateway_ref", flat=True)) <= set(sms.messages) | set(
        sms.request_ids
    )
    # Zalo: ZNS cannot be asked about a tracking_id, so nothing in flight was sent again:
    # 0 duplicates, and every message whose fate is unknown is listed for staff.
    zns = providers.zalo.state
    per_phone = Counter(m["to"] for m in zns.messages.values())
    assert set(per_phone.values()) == {1}
    assert set(zns.tracking_ids.values()) == {1}
    zalo_rows = rows.filter(channel="zalo")
    unknown = zalo_rows.filter(status="unknown")
    assert unknown.exists()
    assert zalo_rows.filter(status="sent").count() + unknown.count() == RECIPIENTS
    assert set(UnknownDelivery.objects.filter(channel="zalo").values_list("pk", flat=True)) == set(
        unknown.values_list("pk", flat=True)
    )
    sent_ids = {m["request_id"] for m in zns.messages.values()}
    # Every message Zalo has belongs to a row that is sent or listed as unknown; every row
    # Zalo does not have is listed as unknown (never silently lost).
    assert set(zalo_rows.filter(status="sent").values_list("request_id", flat=True)) <= sent_ids
    missing = zalo_rows.exclude(request_id__in=sent_ids)
    assert set(missing.values_list("status", flat=True)) <= {"unknown"}
    assert (
        rows.filter(status="sent", sent_at__lte=timezone.now()).count()
        == rows.filter(status="sent").count()
    )
