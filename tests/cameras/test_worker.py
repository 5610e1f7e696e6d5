"""The periodic probe in a real Celery worker process, through Redis, writing to PostgreSQL."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from cameras.models import Alert, CameraState, Status, UptimeDay
from cameras.tasks import cameras_probe_task
from tests.cameras.conftest import TEST_KEY
from tests.cameras.factories import CameraFactory
from tests.workers import Worker, celery_worker

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(tmp_path: Path):
    with celery_worker(
        tmp_path,
        EMAIL_URL="consolemail://",
        CAMERA_NETWORKS="127.0.0.0/8",
        CAMERA_CREDENTIALS_KEY=TEST_KEY,
        CAMERA_PROBE_TIMEOUT="2",
    ) as process:
        yield process


def test_the_beat_schedule_has_the_probe() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["probe-cameras"]
    assert entry["task"] == "cameras.tasks.cameras_probe_task"


def test_a_worker_probes_the_cameras_and_alerts_when_one_stays_down(
    worker: Worker, fake_camera, world, security_officer
) -> None:
    fake = fake_camera()
    camera = CameraFactory(village=world.village, stream_url=fake.rtsp_url)

    output = worker.run(cameras_probe_task)
    state = CameraState.objects.get(camera=camera)
    assert state.status == Status.ONLINE, output[-3000:]
    assert len(fake.requests) == 1
    assert UptimeDay.objects.get(camera=camera).ok == 1

    # The camera goes away; it has been failing for longer than the debounce already.
    fake.stop()
    CameraState.objects.filter(camera=camera).update(
        failing_since=timezone.now() - timedelta(minutes=11)
    )
    output = worker.run(cameras_probe_task)
    state.refresh_from_db()
    assert state.status == Status.OFFLINE, output[-3000:]
    assert list(Alert.objects.filter(camera=camera).values_list("kind", flat=True)) == ["down"]
    assert f"To: {security_officer.email}" in output

    # Run again: idempotent, no second alert.
    output = worker.run(cameras_probe_task)
    assert Alert.objects.filter(camera=camera).count() == 1
    assert output.count(f"To: {security_officer.email}") == 1
