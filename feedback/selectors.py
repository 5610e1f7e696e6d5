"""Reads: the board, similar reports, the staff list, the figures."""

import math
import statistics
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Max, Min, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from feedback.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    Category,
    Photo,
    Report,
    Status,
)
from households.models import Household, Village

BOARD_RECENT_DAYS = 30
BOARD_LIMIT = 200


def village_centre(village: Village) -> tuple[float, float] | None:
    if village.latitude is not None and village.longitude is not None:
        return float(village.latitude), float(village.longitude)
    point = (
        Household.objects.alive()
        .filter(village=village, latitude__isnull=False)
        .aggregate(lat=Avg("latitude"), lng=Avg("longitude"))
    )
    if point["lat"] is None:
        return None
    return float(point["lat"]), float(point["lng"])


def similar_open_reports(
    *,
    village: Village,
    category_id: Any,
    lane_id: Any,
    latitude: Decimal | None,
    longitude: Decimal | None,
    limit: int = 5,
) -> list[Report]:
    """Open public reports of the same category in the same lane or within about 300 m."""
    if not category_id:
        return []
    reports = Report.objects.public().open().filter(village=village, category_id=category_id)
    place = Q()
    if lane_id:
        place |= Q(lane_id=lane_id)
    if latitude is not None and longitude is not None:
        d = Decimal("0.003")  # about 330 m of latitude; close enough for a suggestion
        place |= Q(
            latitude__range=(latitude - d, latitude + d),
            longitude__range=(longitude - d, longitude + d),
        )
    if not place:
        return []
    return list(reports.filter(place).select_related("category", "lane")[:limit])


def board_reports(*, village: Village, params: Any) -> list[Report]:
    since = timezone.now() - timedelta(days=BOARD_RECENT_DAYS)
    reports = (
        Report.objects.public()
        .filter(village=village)
        .filter(Q(status__in=OPEN_STATUSES) | Q(closed_at__gte=since))
        .select_related("category", "lane")
        .prefetch_related(
            Prefetch("photos", queryset=Photo.objects.filter(hidden=False), to_attr="public_photos")
        )
    )
    category = params.get("category", "")
    if category.isdigit():
        reports = reports.filter(category_id=int(category))
    state = params.get("state", "")
    if state == "open":
        reports = reports.filter(status__in=OPEN_STATUSES)
    elif state == "done":
        reports = reports.filter(status__in=DONE_STATUSES)
    return list(reports[:BOARD_LIMIT])


def reports_of_reporter(*, user: Any, codes: list[str], limit: int = 100) -> list[Report]:
    """The reports a person sent: linked to their account, or remembered by their browser."""
    mine = Q(tracking_code__in=codes) if codes else None
    if getattr(user, "is_authenticated", False):
        mine = Q(reporter_user=user) if mine is None else mine | Q(reporter_user=user)
    if mine is None:
        return []
    return list(
        Report.objects.filter(mine)
        .select_related("category", "village", "lane")
        .order_by("-created_at")[:limit]
    )


BOARD_MAP_WIDTH = 600
BOARD_MAP_MIN_SPAN = 0.002  # degrees of latitude, about 220 m: a map of one lane still reads
NICE_LENGTHS = (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)


def board_map(*, village: Village, reports: list[Report]) -> dict[str, Any] | None:
    """The board's pins drawn without JavaScript: an SVG frame of the village, numbered pins.

    The frame covers the village's households and the pins, north up, on an equirectangular
    projection (right for a few kilometres); each pin carries the report's number in the list.
    """
    placed = [
        (number, r)
        for number, r in enumerate(reports, start=1)
        if r.latitude is not None and r.longitude is not None
    ]
    if not placed:
        return None
    # The public position (about 10 m), so that a pin cannot be measured more precisely.
    lats = [float(r.public_latitude) for _n, r in placed]  # type: ignore[arg-type]
    lons = [float(r.public_longitude) for _n, r in placed]  # type: ignore[arg-type]
    extent = (
        Household.objects.alive()
        .filter(village=village, latitude__isnull=False, longitude__isnull=False)
        .aggregate(
            lat_min=Min("latitude"),
            lat_max=Max("latitude"),
            lon_min=Min("longitude"),
            lon_max=Max("longitude"),
        )
    )
    if extent["lat_min"] is not None:
        lats += [float(extent["lat_min"]), float(extent["lat_max"])]
        lons += [float(extent["lon_min"]), float(extent["lon_max"])]
    if village.latitude is not None and village.longitude is not None:
        lats.append(float(village.latitude))
        lons.append(float(village.longitude))
    k = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_y = max(max(lats) - min(lats), BOARD_MAP_MIN_SPAN) * 1.25
    span_x = max((max(lons) - min(lons)) * k, BOARD_MAP_MIN_SPAN) * 1.25
    # Landscape, from 2:1 to 4:3, so that the list still starts high on a phone: grow the
    # shorter side, the scale stays the same both ways.
    span_y = max(span_y, span_x * 0.5)
    span_x = max(span_x, span_y / 0.75)
    mid_y = (min(lats) + max(lats)) / 2
    mid_x = (min(lons) + max(lons)) / 2 * k
    width = BOARD_MAP_WIDTH
    height = round(width * span_y / span_x)
    pins = []
    for number, r in placed:
        x = (float(r.public_longitude) * k - (mid_x - span_x / 2)) / span_x * width  # type: ignore[arg-type]
        y = ((mid_y + span_y / 2) - float(r.public_latitude)) / span_y * height  # type: ignore[arg-type]
        pins.append(
            {
                "n": number,
                "x": round(x, 1),
                "y": round(y, 1),
                "report": r,
                "url": reverse("feedback_public_detail", args=[r.public_code]),
            }
        )
    metres_per_unit = span_x * 111_320 / width
    length = max(
        (m for m in NICE_LENGTHS if m / metres_per_unit <= width / 4), default=NICE_LENGTHS[0]
    )
    return {
        "width": width,
        "height": height,
        "legend_y": height + 24,
        "full_height": height + 36,
        "pins": pins,
        "scale_px": round(length / metres_per_unit, 1),
        "scale_label": f"{length // 1000} km" if length >= 1000 else f"{length} m",
    }


def staff_reports(*, village: Village, params: Any) -> QuerySet[Report]:
    reports = Report.objects.filter(village=village).select_related("category", "lane", "assignee")
    status = params.get("status", "")
    if status == "open":
        reports = reports.filter(status__in=OPEN_STATUSES)
    elif status in Status.values:
        reports = reports.filter(status=status)
    category = params.get("category", "")
    if category.isdigit():
        reports = reports.filter(category_id=int(category))
    if params.get("overdue"):
        reports = reports.overdue()
    if params.get("mine") and params.get("user"):
        reports = reports.filter(assignee=params["user"])
    query = (params.get("q") or "").strip()
    if query:
        reports = reports.filter(Q(tracking_code__iexact=query) | Q(description__icontains=query))
    return reports


def _median_hours(pairs: list[tuple[Any, Any]]) -> float | None:
    values = [(b - a).total_seconds() / 3600 for a, b in pairs if a and b and b >= a]
    return round(statistics.median(values), 1) if values else None


def tiles(*, village: Village) -> dict[str, Any]:
    """The dashboard's three figures, in three small queries."""
    now = timezone.now()
    reports = Report.objects.filter(village=village)
    since = now - timedelta(days=90)
    acks = list(
        reports.filter(created_at__gte=since, acknowledged_at__isnull=False).values_list(
            "created_at", "acknowledged_at"
        )[:5000]
    )
    return {
        "open": reports.open().count(),
        "overdue": reports.overdue(now).count(),
        "median_ack_hours": _median_hours(acks),
    }


def statistics_for(*, village: Village, start: Any, end: Any) -> dict[str, Any]:
    """Counts and shares for reports sent between two dates (inclusive)."""
    reports = Report.objects.filter(
        village=village, created_at__date__gte=start, created_at__date__lte=end
    )
    by_category = list(
        reports.values("category__name")
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
            resolved=Count("pk", filter=Q(status=Status.RESOLVED)),
            closed=Count("pk", filter=Q(status__in=DONE_STATUSES - {Status.RESOLVED})),
        )
        .order_by("category__name")
    )
    by_status = {
        row["status"]: row["n"] for row in reports.values("status").annotate(n=Count("pk"))
    }
    rows = list(
        reports.values_list(
            "created_at",
            "acknowledged_at",
            "resolved_at",
            "ack_due",
            "resolve_due",
            "closed_at",
            "satisfied",
        )
    )
    total = len(rows)
    acked = [r for r in rows if r[1]]
    on_time_ack = sum(1 for r in acked if r[3] is None or r[1] <= r[3])
    with_due = [r for r in rows if r[4] and r[5]]
    on_time_resolve = sum(1 for r in with_due if r[5] <= r[4])
    resolved = [r for r in rows if r[2]]
    same_day = sum(1 for r in resolved if timezone.localdate(r[2]) == timezone.localdate(r[0]))
    rated = [r for r in rows if r[6] is not None]
    return {
        "total": total,
        "by_category": by_category,
        "by_status": [(s.label, by_status.get(s.value, 0)) for s in Status],
        "median_ack_hours": _median_hours([(r[0], r[1]) for r in rows]),
        "median_resolve_hours": _median_hours([(r[0], r[2]) for r in rows]),
        "ack_on_time": _share(on_time_ack, len(acked)),
        "handled_on_time": _share(on_time_resolve, len(with_due)),
        "resolved_same_day": _share(same_day, len(resolved)),
        "satisfaction": _share(sum(1 for r in rated if r[6]), len(rated)),
        "rated": len(rated),
    }


def _share(n: int, d: int) -> float | None:
    return round(100 * n / d, 1) if d else None


def categories_of(village: Village) -> QuerySet[Category]:
    return Category.objects.filter(village=village)
