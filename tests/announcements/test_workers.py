"""Real workers over Redis and PostgreSQL: 10,000 recipients, one worker killed mid-send."""

import os
import signal
import time
from pathlib import Path

import pytest
from django.utils import timezone

from announcements import services
from announcements.models import Delivery
from announcements.tasks import deliveries_drain_task
from households.models import Household, Resident, natural_key
from tests.announcements.factories import AnnouncementFactory
from tests.announcements.fake_gateway import FakeGateway
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


def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(
    world, tmp_path: Path, settings
) -> None:
    settings.ANNOUNCEMENTS_DRAIN_WORKERS = 0  # the test hands the work to its own workers
    Resident.objects.filter(household=world.household).update(phone="")
    _population(world, RECIPIENTS)
    with FakeGateway() as gateway:
        for name, value in gateway.env().items():
            setattr(settings, name, value)
        env = {**gateway.env(), "ANNOUNCEMENTS_RATE_SMS": "0", "ANNOUNCEMENTS_RATE_ZALO": "0"}
        announcement = AnnouncementFactory(village=world.village, channels=["sms", "zalo"])
        services.announcement_send(announcement=announcement)
        assert Delivery.objects.filter(announcement=announcement).count() == 2 * RECIPIENTS

        gateway.state.stall_after = 3000
        with celery_worker(tmp_path, **env) as first:
            _enqueue(first, "sms")
            assert gateway.state.stalled.wait(240), first.log.read_text()[-3000:]
            # The 3,001st message is at the gateway but its worker has not heard back.
            os.kill(_worker_pid(first.queue), signal.SIGKILL)
            gateway.state.stall_after = None
            gateway.state.release.set()
        stored_before_restart = len(gateway.state.messages)
        assert 3000 < stored_before_restart < 2 * RECIPIENTS

        with celery_worker(tmp_path, **env) as second:
            _enqueue(second, "sms")
            _enqueue(second, "zalo")
            deadline = time.monotonic() + 600
            while Delivery.objects.filter(status="queued").exists():
                assert time.monotonic() < deadline, second.log.read_text()[-3000:]
                time.sleep(1)

    per_recipient = gateway.state.per_recipient()
    assert len(per_recipient) == 2 * RECIPIENTS
    assert set(per_recipient.values()) == {1}
    assert {path for path, _to in per_recipient} == {"/sms", "/zalo"}
    # The message in flight when the worker died was sent again with the same key, and the
    # gateway recognised it instead of sending a second SMS.
    assert gateway.state.duplicates >= 1
    rows = Delivery.objects.filter(announcement=announcement)
    assert rows.filter(status="sent").count() == 2 * RECIPIENTS
    assert set(rows.values_list("gateway_ref", flat=True)) == {
        m["id"] for m in gateway.state.messages.values()
    }
    assert rows.filter(sent_at__lte=timezone.now()).count() == 2 * RECIPIENTS
