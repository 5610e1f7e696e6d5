"""Every transition of the status machine, with the real probe against cameras on loopback.

Time is passed in (``now``): the test walks through hours of probes without waiting.
"""

from datetime import datetime, timedelta

import pytest
from django.core import mail

from cameras import services, status
from cameras.models import Alert, Camera, Status, StatusChange, UptimeDay
from tests.cameras.fakes import refused_port

pytestmark = pytest.mark.django_db

T0 = datetime.fromisoformat("2026-11-20T08:00:00+07:00")


def _minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


@pytest.fixture
def watched(village, lane, security_officer, village_head):
    """A camera answering on loopback, with the two people who hear about it."""

    def make(fake, **extra) -> Camera:
        return services.camera_create(
            village=village,
            by=village_head,
            name=extra.pop("name", "Camera cổng làng"),
            kind=Camera.Kind.PUBLIC,
            lane=lane,
            stream_url=fake.rtsp_url,
            **extra,
        )

    return make


@pytest.fixture
def lane(world):
    return world.lane


def _probe(camera: Camera, at: datetime, capture) -> Camera:
    with capture(execute=True):
        status.probe_cameras(Camera.objects.filter(pk=camera.pk), now=at)
    camera.state.refresh_from_db()
    return camera


def _kinds(camera: Camera) -> list[str]:
    return list(
        Alert.objects.filter(camera=camera).order_by("at", "pk").values_list("kind", flat=True)
    )


def test_down_after_ten_minutes_reminder_daily_and_back_online(
    fake_camera, watched, django_capture_on_commit_callbacks, security_officer, village_head
) -> None:
    fake = fake_camera()
    camera = watched(fake)
    capture = django_capture_on_commit_callbacks

    _probe(camera, _minutes(0), capture)
    assert camera.state.status == Status.ONLINE

    # A blip: one failed probe, then it answers again. Degraded for a minute, no alert.
    fake.stop()
    _probe(camera, _minutes(1), capture)
    assert camera.state.status == Status.DEGRADED
    assert camera.state.last_error == "refused"
    fake.start()
    _probe(camera, _minutes(2), capture)
    assert camera.state.status == Status.ONLINE
    assert _kinds(camera) == [] and mail.outbox == []

    # Down for good: degraded until it has failed for ten minutes, then offline and alerted.
    fake.stop()
    _probe(camera, _minutes(3), capture)
    _probe(camera, _minutes(8), capture)
    assert camera.state.status == Status.DEGRADED
    _probe(camera, _minutes(12.9), capture)
    assert camera.state.status == Status.DEGRADED
    assert _kinds(camera) == []
    _probe(camera, _minutes(13), capture)
    assert camera.state.status == Status.OFFLINE
    assert _kinds(camera) == [Alert.Kind.DOWN]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [security_officer.email, village_head.email]
    )
    assert "Camera cổng làng" in mail.outbox[0].subject

    # Still down: no new alert until a day has passed, then one reminder.
    _probe(camera, _minutes(14), capture)
    _probe(camera, _minutes(13 + 60 * 23), capture)
    assert _kinds(camera) == [Alert.Kind.DOWN]
    _probe(camera, _minutes(13 + 60 * 24), capture)
    assert _kinds(camera) == [Alert.Kind.DOWN, Alert.Kind.REMINDER]
    _probe(camera, _minutes(14 + 60 * 24), capture)
    assert _kinds(camera) == [Alert.Kind.DOWN, Alert.Kind.REMINDER]

    # Back: "back online" goes out once.
    fake.start()
    _probe(camera, _minutes(15 + 60 * 24), capture)
    assert camera.state.status in (Status.ONLINE, Status.DEGRADED)
    assert _kinds(camera) == [Alert.Kind.DOWN, Alert.Kind.REMINDER, Alert.Kind.RECOVERED]
    assert len(mail.outbox) == 6
    _probe(camera, _minutes(16 + 60 * 24), capture)
    assert len(_kinds(camera)) == 3

    history = list(
        StatusChange.objects.filter(camera=camera)
        .order_by("at", "pk")
        .values_list("old_status", "new_status")
    )
    assert history[:5] == [
        (Status.UNKNOWN, Status.ONLINE),
        (Status.ONLINE, Status.DEGRADED),
        (Status.DEGRADED, Status.ONLINE),
        (Status.ONLINE, Status.DEGRADED),
        (Status.DEGRADED, Status.OFFLINE),
    ]
    assert history[5][0] == Status.OFFLINE


def test_recently_intermittent_camera_is_degraded_even_when_it_answers(
    fake_camera, watched, django_capture_on_commit_callbacks
) -> None:
    fake = fake_camera()
    camera = watched(fake)
    capture = django_capture_on_commit_callbacks
    _probe(camera, _minutes(0), capture)
    for minute in (1, 3):
        fake.stop()
        _probe(camera, _minutes(minute), capture)
        fake.start()
        _probe(camera, _minutes(minute + 1), capture)
    # Two failures in the last six probes: answering, but not to be trusted.
    assert camera.state.status == Status.DEGRADED
    assert _kinds(camera) == []


def test_a_slow_camera_is_degraded(
    fake_camera, watched, django_capture_on_commit_callbacks, settings
) -> None:
    settings.CAMERA_PROBE_SLOW_MS = 100
    fake = fake_camera(mode="slow", delay=0.4)
    camera = watched(fake)
    _probe(camera, _minutes(0), django_capture_on_commit_callbacks)
    assert camera.state.status == Status.DEGRADED
    assert camera.state.last_error == "slow"


def test_a_camera_that_hangs_goes_offline_after_the_debounce(
    fake_camera, watched, django_capture_on_commit_callbacks, settings
) -> None:
    settings.CAMERA_PROBE_TIMEOUT = 0.3
    settings.CAMERA_OFFLINE_AFTER_MINUTES = 5
    fake = fake_camera(mode="hang")
    camera = watched(fake)
    capture = django_capture_on_commit_callbacks
    _probe(camera, _minutes(0), capture)
    # Never seen working: stays "not probed yet" during the grace period, not "degraded".
    assert camera.state.status == Status.UNKNOWN
    assert camera.state.last_error == "timeout"
    _probe(camera, _minutes(5), capture)
    assert camera.state.status == Status.OFFLINE
    assert _kinds(camera) == [Alert.Kind.DOWN]


def test_maintenance_mode_silences_alerts_and_uptime(
    fake_camera, watched, django_capture_on_commit_callbacks, village_head
) -> None:
    fake = fake_camera()
    camera = watched(fake)
    capture = django_capture_on_commit_callbacks
    _probe(camera, _minutes(0), capture)
    services.camera_set_maintenance(camera=camera, by=village_head, maintenance=True)
    camera.refresh_from_db()
    fake.stop()
    for minute in (1, 6, 11, 60 * 30):
        _probe(camera, _minutes(minute), capture)
    assert camera.state.status == Status.OFFLINE
    assert _kinds(camera) == [] and mail.outbox == []
    # Maintenance ends while the camera is still down: now the alert goes out.
    services.camera_set_maintenance(camera=camera, by=village_head, maintenance=False)
    camera.refresh_from_db()
    _probe(camera, _minutes(60 * 30 + 1), capture)
    assert _kinds(camera) == [Alert.Kind.DOWN]
    assert len(mail.outbox) == 2
    # Back during a new maintenance: no "back online" either.
    services.camera_set_maintenance(camera=camera, by=village_head, maintenance=True)
    camera.refresh_from_db()
    fake.start()
    _probe(camera, _minutes(60 * 30 + 2), capture)
    assert _kinds(camera) == [Alert.Kind.DOWN]
    assert camera.state.down_alerted_at is None
    # Probes during maintenance do not count in the uptime.
    days = {u.day.isoformat(): (u.ok, u.probes) for u in UptimeDay.objects.filter(camera=camera)}
    assert days == {"2026-11-20": (1, 1), "2026-11-21": (0, 1)}


def test_uptime_is_counted_per_local_day(
    fake_camera, watched, django_capture_on_commit_callbacks
) -> None:
    fake = fake_camera()
    camera = watched(fake)
    capture = django_capture_on_commit_callbacks
    late = datetime.fromisoformat("2026-11-20T23:59:00+07:00")
    _probe(camera, late, capture)
    fake.stop()
    _probe(camera, late + timedelta(minutes=2), capture)
    _probe(camera, late + timedelta(minutes=3), capture)
    days = {u.day.isoformat(): (u.ok, u.probes) for u in UptimeDay.objects.filter(camera=camera)}
    assert days == {"2026-11-20": (1, 1), "2026-11-21": (0, 2)}


def test_disabled_cameras_are_not_probed(
    fake_camera, watched, django_capture_on_commit_callbacks, village_head
) -> None:
    fake = fake_camera()
    camera = watched(fake)
    services.camera_update(camera=camera, by=village_head, enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        summary = status.probe_cameras(now=_minutes(0))
    assert summary["probed"] == 0
    assert fake.requests == []


def test_a_camera_moved_to_a_refused_network_fails_without_being_contacted(
    fake_camera, watched, django_capture_on_commit_callbacks, settings
) -> None:
    fake = fake_camera()
    camera = watched(fake)
    settings.CAMERA_NETWORKS = ["10.20.0.0/16"]
    _probe(camera, _minutes(0), django_capture_on_commit_callbacks)
    assert camera.state.last_error == "refused_network"
    assert fake.requests == []


def test_a_refused_port_is_a_failure(watched, django_capture_on_commit_callbacks) -> None:
    class Gone:
        rtsp_url = f"rtsp://127.0.0.1:{refused_port()}/stream1"

    camera = watched(Gone())
    _probe(camera, _minutes(0), django_capture_on_commit_callbacks)
    assert camera.state.last_error == "refused"


def test_the_public_pages_are_refreshed_when_a_public_camera_stops_working(
    fake_camera, watched, django_capture_on_commit_callbacks, settings, world
) -> None:
    from villageportal import public_cache

    settings.CAMERA_OFFLINE_AFTER_MINUTES = 0
    fake = fake_camera()
    camera = watched(fake)
    capture = django_capture_on_commit_callbacks
    before = public_cache.version(world.village.pk)
    _probe(camera, _minutes(0), capture)
    after_online = public_cache.version(world.village.pk)
    assert after_online > before
    _probe(camera, _minutes(1), capture)  # still online: nothing to refresh
    assert public_cache.version(world.village.pk) == after_online
    fake.stop()
    _probe(camera, _minutes(2), capture)
    assert camera.state.status == Status.OFFLINE
    assert public_cache.version(world.village.pk) > after_online
