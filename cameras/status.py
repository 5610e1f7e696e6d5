"""From probe results to statuses, history, uptime and alerts.

The rules, per camera, at time ``now``:

- a camera that answers is online, or degraded if it answered slowly or improperly, or if
  it failed ``CAMERA_INTERMITTENT_FAILURES`` of its last ``CAMERA_INTERMITTENT_WINDOW`` probes;
- a camera that fails is degraded (a blip) until it has failed without a break for
  ``CAMERA_OFFLINE_AFTER_MINUTES``; only then is it offline, and only then does the "down"
  alert go out; a reminder follows every ``CAMERA_REMINDER_HOURS`` while it stays down, and
  "back online" when it answers again after a "down" alert;
- a camera in maintenance mode is probed and its status kept, but raises no alert and does
  not count in the uptime.

``now`` is passed in, so tests walk through hours of probes without waiting for them.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from cameras import addresses, alerts, conf, crypto
from cameras.models import WORKING, Alert, Camera, CameraState, Status, StatusChange, UptimeDay
from cameras.probe import Result, Target
from villageportal import public_cache


@dataclass
class Outcome:
    changes: list[StatusChange] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)


def apply(camera: Camera, state: CameraState, result: Result, now: datetime) -> Outcome:
    """Move ``state`` on by one probe result (in memory); say what changed and whom to tell."""
    outcome = Outcome()
    window = conf.intermittent_window()
    state.last_probe_at = now
    state.recent = (state.recent + ("1" if result.ok else "0"))[-window:]
    old = state.status
    if result.ok:
        state.last_ok_at = now
        state.last_latency_ms = result.latency_ms
        state.last_error = result.error
        state.failing_since = None
        intermittent = state.recent.count("0") >= conf.intermittent_failures()
        new = Status.DEGRADED if result.degraded or intermittent else Status.ONLINE
        if state.down_alerted_at is not None:
            if not camera.maintenance:
                outcome.alerts.append(Alert.Kind.RECOVERED)
            state.down_alerted_at = None
            state.last_reminder_at = None
    else:
        state.last_error = result.error
        state.last_latency_ms = None
        if state.failing_since is None:
            state.failing_since = now
        if now - state.failing_since >= conf.offline_after():
            new = Status.OFFLINE
        elif old == Status.UNKNOWN:
            new = Status.UNKNOWN
        else:
            new = Status.DEGRADED if old != Status.OFFLINE else Status.OFFLINE
        if new == Status.OFFLINE and not camera.maintenance:
            if state.down_alerted_at is None:
                outcome.alerts.append(Alert.Kind.DOWN)
                state.down_alerted_at = now
                state.last_reminder_at = now
            elif now - (state.last_reminder_at or state.down_alerted_at) >= conf.reminder_every():
                outcome.alerts.append(Alert.Kind.REMINDER)
                state.last_reminder_at = now
    if new != old:
        state.status = new
        state.status_since = now
        outcome.changes.append(
            StatusChange(
                camera_id=camera.pk, at=now, old_status=old, new_status=new, detail=result.error
            )
        )
    return outcome


STATE_FIELDS = [
    "status",
    "status_since",
    "last_probe_at",
    "last_ok_at",
    "last_latency_ms",
    "last_error",
    "failing_since",
    "recent",
    "down_alerted_at",
    "last_reminder_at",
]


@transaction.atomic
def record_results(results: Iterable[Result], *, now: datetime | None = None) -> dict[str, int]:
    """Apply a run's results: states, status changes, uptime of the day, alerts."""
    now = now or timezone.now()
    by_camera = {r.camera_id: r for r in results}
    cameras = {
        c.pk: c
        for c in Camera.objects.filter(pk__in=list(by_camera)).select_related(
            "state", "village", "lane"
        )
    }
    states, changes, counted = [], [], []
    alerts_due: list[tuple[Camera, str]] = []
    villages_changed: set = set()
    for camera_id, result in by_camera.items():
        camera = cameras.get(camera_id)
        if camera is None:
            continue  # removed while it was being probed
        state = getattr(camera, "state", None)
        if state is None:
            state = CameraState.objects.create(camera=camera)
        was_working = state.status in WORKING
        outcome = apply(camera, state, result, now)
        states.append(state)
        changes.extend(outcome.changes)
        alerts_due.extend((camera, kind) for kind in outcome.alerts)
        if camera.kind == Camera.Kind.PUBLIC and was_working != (state.status in WORKING):
            villages_changed.add(camera.village_id)
        if not camera.maintenance:
            counted.append((camera_id, result.ok))
    _save_states(states)
    StatusChange.objects.bulk_create(changes, batch_size=1000)
    _count_uptime(counted, timezone.localdate(now))
    alerts.cameras_alert(alerts_due, at=now)
    for village_id in villages_changed:
        public_cache.bump(village_id)
    return {
        "probed": len(states),
        "changes": len(changes),
        "alerts": len(alerts_due),
    }


def _count_uptime(counted: list[tuple[int, bool]], day: object) -> None:
    if not counted:
        return
    ids = [camera_id for camera_id, _ok in counted]
    existing = {u.camera_id: u for u in UptimeDay.objects.filter(day=day, camera_id__in=ids)}
    new: dict[int, UptimeDay] = {}
    changed: dict[int, UptimeDay] = {}
    for camera_id, ok in counted:
        row = existing.get(camera_id)
        if row is None:
            row = new.setdefault(camera_id, UptimeDay(camera_id=camera_id, day=day, probes=0, ok=0))
        else:
            changed[camera_id] = row
        row.probes += 1
        row.ok += 1 if ok else 0
    UptimeDay.objects.bulk_create(list(new.values()), batch_size=1000)
    _update_rows(UptimeDay, list(changed.values()), ["probes", "ok"])


def _save_states(states: list[CameraState]) -> None:
    _update_rows(CameraState, states, STATE_FIELDS)


def _update_rows(model: type, rows: list, fields: list[str]) -> None:
    """One parameterised UPDATE per row, sent with ``executemany``.

    ``bulk_update`` builds a CASE expression per field whose size grows with the batch;
    for thousands of rows that changed in every field, plain statements sent in one go
    (a pipeline on PostgreSQL) are several times faster.
    """
    if not rows:
        return
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    pk = meta.pk
    quote = connection.ops.quote_name
    # Table and column names come from the model, quoted; values are parameters.
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
        quote(meta.db_table),
        ", ".join(f"{quote(f.column)} = %s" for f in columns),
        quote(pk.column),
    )
    params = [
        [f.get_db_prep_save(getattr(row, f.attname), connection) for f in columns]
        + [pk.get_db_prep_save(row.pk, connection)]
        for row in rows
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(params), 1000):
            cursor.executemany(sql, params[start : start + 1000])


def target_for(camera: Camera) -> Target | Result:
    """What to probe for ``camera``, or a failed result if its address is unusable."""
    value = camera.snapshot_url or camera.stream_url
    schemes = addresses.WEB_SCHEMES if camera.snapshot_url else addresses.STREAM_SCHEMES
    try:
        address, _none = addresses.parse(value, schemes=schemes)
    except Exception:
        return Result(camera.pk, False, error="bad_address")
    return Target(camera.pk, address, crypto.decrypt(camera.credentials))


def targets(cameras: Iterable[Camera]) -> tuple[list[Target], list[Result]]:
    ready, failed = [], []
    for camera in cameras:
        item = target_for(camera)
        (failed if isinstance(item, Result) else ready).append(item)
    return ready, failed


def probe_cameras(queryset=None, *, now: datetime | None = None, **options: object) -> dict:
    """Probe the enabled cameras (all, or ``queryset``) and record what was found."""
    from cameras import probe

    cameras = (queryset if queryset is not None else Camera.objects.all()).filter(enabled=True)
    cameras = cameras.only("pk", "stream_url", "snapshot_url", "credentials")
    ready, failed = targets(cameras.iterator(chunk_size=2000))
    results = probe.run(ready, **options) + failed
    return record_results(results, now=now)
