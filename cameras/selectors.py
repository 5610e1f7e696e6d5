"""Reads of cameras that depend on who asks."""

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from cameras.models import WORKING, Camera, Status, UptimeDay
from households.models import Lane, Village

FILTERS = ("status", "kind", "lane", "q")


# What needs someone first: cameras down, then degraded, then not probed yet, then working;
# switched off or in maintenance last, since nobody expects a picture from them.
_ATTENTION = Case(
    When(Q(enabled=False) | Q(maintenance=True), then=Value(4)),
    When(state__status=Status.OFFLINE, then=Value(0)),
    When(state__status=Status.DEGRADED, then=Value(1)),
    When(state__status=Status.ONLINE, then=Value(3)),
    default=Value(2),
)
_DOWN_SINCE = Case(
    When(
        state__status__in=[Status.OFFLINE, Status.DEGRADED],
        enabled=True,
        maintenance=False,
        then=F("state__status_since"),
    ),
)


def cameras_filtered(*, user: Any, village: Village, params: Mapping[str, str]) -> QuerySet:
    """The staff camera list of ``village``, offline cameras first (the longest down first);
    invalid filter values are ignored."""
    cameras = (
        Camera.objects.visible_to(user)
        .filter(village=village)
        .select_related("state", "lane", "household__lane")
        .order_by(
            _ATTENTION,
            _DOWN_SINCE.asc(nulls_last=True),
            "lane__sort_order",
            "name",
        )
    )
    status = params.get("status") or ""
    if status == "disabled":
        cameras = cameras.filter(enabled=False)
    elif status == "maintenance":
        cameras = cameras.filter(maintenance=True)
    elif status in Status.values:
        cameras = cameras.filter(enabled=True, state__status=status)
    kind = params.get("kind") or ""
    if kind in Camera.Kind.values:
        cameras = cameras.filter(kind=kind)
    lane = params.get("lane") or ""
    if lane.isdigit():
        cameras = cameras.filter(lane_id=int(lane))
    query = (params.get("q") or "").strip()[:100]
    if query:
        cameras = cameras.filter(Q(name__icontains=query) | Q(facing__icontains=query))
    return cameras


def status_counts(village: Village) -> dict[str, int]:
    rows = (
        Camera.objects.filter(village=village, enabled=True)
        .values("state__status")
        .annotate(n=Count("pk"))
    )
    counts = {s: 0 for s in Status.values}
    for row in rows:
        counts[row["state__status"] or Status.UNKNOWN] += row["n"]
    return counts


def lane_coverage(village: Village) -> list[dict[str, Any]]:
    """Each lane with its public cameras and how many work now; lanes without any first."""
    lanes = (
        Lane.objects.alive()
        .filter(village=village)
        .annotate(
            public_cameras=Count(
                "cameras", filter=Q(cameras__kind=Camera.Kind.PUBLIC, cameras__enabled=True)
            ),
            working_cameras=Count(
                "cameras",
                filter=Q(
                    cameras__kind=Camera.Kind.PUBLIC,
                    cameras__enabled=True,
                    cameras__state__status__in=WORKING,
                ),
            ),
        )
        .order_by("sort_order", "name")
    )
    rows = [
        {
            "lane": lane,
            "public": lane.public_cameras,
            "working": lane.working_cameras,
            "covered": lane.working_cameras > 0,
        }
        for lane in lanes
    ]
    return sorted(rows, key=lambda r: (r["covered"], r["lane"].sort_order))


def uncovered_lanes(village: Village) -> int:
    return sum(1 for row in lane_coverage(village) if not row["covered"])


def uptime(cameras: QuerySet, *, end: date | None = None, days: int = 30) -> float | None:
    """Share of probes answered over ``days`` days up to ``end``, in percent (None: no probes)."""
    end = end or timezone.localdate()
    totals = UptimeDay.objects.filter(
        camera__in=cameras, day__gt=end - timedelta(days=days), day__lte=end
    ).aggregate(probes=Sum("probes"), ok=Sum("ok"))
    if not totals["probes"]:
        return None
    return 100 * totals["ok"] / totals["probes"]


def public_figures(village: Village) -> dict[str, int]:
    """What a public page may say: how many public cameras, how many work now."""
    public = Camera.objects.public().filter(village=village, enabled=True)
    return {
        "total": public.count(),
        "working": public.filter(state__status__in=WORKING).count(),
    }
