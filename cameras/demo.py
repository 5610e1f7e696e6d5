"""Demo cameras: the model village's lanes watched by public cameras, household cameras with
consent, and a month of status history (a few offline, one in maintenance).

The addresses are on 10.20.0.0/16, the demo network allowed by default (CAMERA_NETWORKS);
nothing answers there, so on a demo machine the periodic probe will soon find them offline.
Idempotent: a village that has cameras is left as it is.
"""

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from cameras import addresses, crypto
from cameras.models import Alert, Camera, CameraState, Status, StatusChange, UptimeDay
from households.models import Household, Village

MAKES = [("Hikvision", "DS-2CD1023G0E-I"), ("Dahua", "IPC-HFW1230S"), ("KBVision", "KX-C2011S")]
FACING = [
    "Cổng làng",
    "Ngã ba đầu ngõ",
    "Nhà văn hóa thôn",
    "Chợ quê",
    "Cầu qua kênh",
    "Điểm trường mầm non",
    "Đường ra cánh đồng",
]
# Public cameras per village (index in ``villages``): the model village watches its lanes.
PUBLIC = {0: 19, 1: 5, 2: 5}
HOUSEHOLD = {0: 12, 1: 190, 2: 0}
PROBES_PER_DAY = 1440  # one probe a minute


def _credentials() -> str:
    try:
        return crypto.encrypt(crypto.Credentials("admin", "camera-demo-2026"))
    except ImproperlyConfigured:
        return ""  # no key configured: the demo cameras simply have no credentials


def _camera(village: Village, index: int, number: int, **fields: Any) -> Camera:
    url = f"rtsp://10.20.{index}.{number % 250 + 1}:{554 + number // 250}/Streaming/Channels/101"
    address, _none = addresses.parse(url, schemes=addresses.STREAM_SCHEMES)
    return Camera(village=village, stream_url=address.url, address_key=address.key, **fields)


def seed(villages: list[Village], stdout: Any) -> None:
    rng = random.Random(2026)
    now = timezone.now()
    token = _credentials()
    created = 0
    for index, village in enumerate(villages[:3]):
        if Camera.objects.filter(village=village).exists():
            continue
        lanes = list(village.lanes.filter(deleted_at__isnull=True).order_by("sort_order"))
        centre_lat = float(village.latitude or Decimal("18.2460")) + index * 0.01
        centre_lon = float(village.longitude or Decimal("106.0020"))
        cameras = []
        for n in range(PUBLIC.get(index, 0)):
            # The model village leaves its last lane without a camera: coverage shows a gap.
            lane = lanes[n % max(1, len(lanes) - 1)] if lanes else None
            make, model = MAKES[n % len(MAKES)]
            cameras.append(
                _camera(
                    village,
                    index,
                    10 + n,
                    name=f"Camera {lane.name if lane else 'thôn'} {n + 1}",
                    kind=Camera.Kind.PUBLIC,
                    lane=lane,
                    latitude=Decimal(f"{centre_lat + rng.uniform(-0.004, 0.004):.7f}"),
                    longitude=Decimal(f"{centre_lon + rng.uniform(-0.004, 0.004):.7f}"),
                    facing=FACING[n % len(FACING)],
                    make=make,
                    model=model,
                    credentials=token,
                    importance=Camera.Importance.HIGH if n < 3 else Camera.Importance.NORMAL,
                    installed_on=(now - timedelta(days=400 - n * 7)).date(),
                    created_at=now - timedelta(days=60),
                )
            )
        owners = list(
            Household.objects.active()
            .filter(village=village)
            .select_related("lane")
            .order_by("pk")[: max(1, HOUSEHOLD.get(index, 0))]
        )
        for n in range(HOUSEHOLD.get(index, 0) if owners else 0):
            household = owners[n % len(owners)]
            cameras.append(
                _camera(
                    village,
                    index,
                    300 + n,
                    name=f"Camera hộ {household}"[:90]
                    + (f" ({n // len(owners) + 1})" if n >= len(owners) else ""),
                    kind=Camera.Kind.HOUSEHOLD,
                    household=household,
                    consent_on=(now - timedelta(days=90)).date(),
                    lane=household.lane,
                    latitude=household.latitude,
                    longitude=household.longitude,
                    facing="Trước cổng nhà",
                    make="Imou",
                    model="Ranger 2C",
                    created_at=now - timedelta(days=45),
                )
            )
        Camera.objects.bulk_create(cameras)
        cameras = list(Camera.objects.filter(village=village).order_by("pk"))
        _history(cameras, rng=rng, now=now, with_maintenance=index == 0)
        created += len(cameras)
    if created:
        stdout.write(f"Cameras: {created} demo cameras with a month of status history.")


def _history(
    cameras: list[Camera], *, rng: random.Random, now: Any, with_maintenance: bool
) -> None:
    """States, changes, alerts and 30 days of uptime; three offline, one degraded, one in
    maintenance (when ``with_maintenance``)."""
    states, changes, alerts, days = [], [], [], []
    public = [c for c in cameras if c.kind == Camera.Kind.PUBLIC]
    offline = {c.pk for c in public[3:6]} if len(public) >= 6 else set()
    degraded = {public[6].pk} if len(public) > 6 else set()
    maintenance = public[7] if with_maintenance and len(public) > 7 else None
    if maintenance is not None:
        Camera.objects.filter(pk=maintenance.pk).update(maintenance=True)
        offline.add(maintenance.pk)
    today = timezone.localdate(now)
    for camera in cameras:
        if camera.pk in offline:
            down_since = now - timedelta(hours=rng.randint(3, 60))
            status = Status.OFFLINE
            alerted = None if maintenance and camera.pk == maintenance.pk else down_since
            states.append(
                CameraState(
                    camera=camera,
                    status=status,
                    status_since=down_since + timedelta(minutes=10),
                    last_probe_at=now,
                    last_ok_at=down_since,
                    last_error="timeout",
                    failing_since=down_since,
                    recent="000000",
                    down_alerted_at=alerted and down_since + timedelta(minutes=10),
                    last_reminder_at=alerted and down_since + timedelta(minutes=10),
                )
            )
            changes.append(
                StatusChange(
                    camera=camera,
                    at=down_since + timedelta(minutes=10),
                    old_status=Status.ONLINE,
                    new_status=Status.OFFLINE,
                    detail="timeout",
                )
            )
            if alerted:
                alerts.append(
                    Alert(
                        camera=camera, kind=Alert.Kind.DOWN, at=down_since + timedelta(minutes=10)
                    )
                )
        else:
            status = Status.DEGRADED if camera.pk in degraded else Status.ONLINE
            states.append(
                CameraState(
                    camera=camera,
                    status=status,
                    status_since=now - timedelta(days=rng.randint(1, 20)),
                    last_probe_at=now,
                    last_ok_at=now,
                    last_latency_ms=rng.randint(15, 90) if status == Status.ONLINE else 2300,
                    last_error="slow" if status == Status.DEGRADED else "",
                    recent="111111",
                )
            )
        changes.append(
            StatusChange(
                camera=camera,
                at=camera.created_at + timedelta(minutes=1),
                old_status=Status.UNKNOWN,
                new_status=Status.ONLINE,
            )
        )
        for back in range(30):
            day = today - timedelta(days=back)
            if camera.pk in offline and back <= 2:
                ok = 0 if back < 2 else PROBES_PER_DAY // 2
            else:
                ok = PROBES_PER_DAY - rng.choice([0, 0, 0, 2, 5, 30])
            days.append(UptimeDay(camera=camera, day=day, probes=PROBES_PER_DAY, ok=ok))
    CameraState.objects.bulk_create(states)
    StatusChange.objects.bulk_create(changes)
    Alert.objects.bulk_create(alerts)
    UptimeDay.objects.bulk_create(days, batch_size=2000)
