"""Reads of the QR-sign app: public page data (nothing personal) and staff figures."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from math import cos, radians
from typing import Any

from django.db.models import Case, CharField, Count, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.utils import timezone

from households.models import Household, Lane, Resident, Village
from qrsigns.models import ScanCount, Sign, UnknownScan

# The only household fields a public page reads. Nothing about members, phones, ID numbers,
# birth dates or adoption is ever selected, so no template can leak it.
PUBLIC_HOUSEHOLD_FIELDS = (
    "house_number",
    "digital_address",
    "latitude",
    "longitude",
    "public_code",
)


def lane_public_households(lane: Lane) -> list[dict[str, Any]]:
    """The lane's active households in house-number order, with the head's name only where
    the household consented to show it."""
    head = Resident.objects.current().filter(household=OuterRef("pk"), is_head=True)
    return list(
        Household.objects.active()
        .filter(lane=lane)
        .order_by("house_number_key", "pk")
        .annotate(
            head_name=Case(
                When(head_name_public=True, then=Subquery(head.values("full_name")[:1])),
                default=Value(""),
                output_field=CharField(),
            )
        )
        .values(*PUBLIC_HOUSEHOLD_FIELDS, "head_name")
    )


@dataclass(frozen=True)
class SketchPoint:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Sketch:
    width: int
    height: int
    points: list[SketchPoint]
    line: str  # SVG points of the lane's course, or ""


def lane_sketch(
    lane: Lane, households: list[dict[str, Any]], width: int = 320, height: int = 200
) -> Sketch | None:
    """House positions projected onto a small drawing (equirectangular, north up)."""
    located = [
        (float(h["latitude"]), float(h["longitude"]), h["house_number"])
        for h in households
        if h["latitude"] is not None and h["longitude"] is not None
    ]
    course: list[tuple[float, float]] = []
    geometry = lane.geometry or {}
    if isinstance(geometry, dict) and geometry.get("type") == "LineString":
        for pair in geometry.get("coordinates") or []:
            try:
                course.append((float(pair[1]), float(pair[0])))
            except (TypeError, ValueError, IndexError):
                continue
    everything = [(lat, lng) for lat, lng, _n in located] + course
    if not everything:
        return None
    lats = [p[0] for p in everything]
    lngs = [p[1] for p in everything]
    k = cos(radians(sum(lats) / len(lats)))
    span_x = max((max(lngs) - min(lngs)) * k, 1e-6)
    span_y = max(max(lats) - min(lats), 1e-6)
    pad = 16
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
    off_x = (width - span_x * scale) / 2
    off_y = (height - span_y * scale) / 2

    def project(lat: float, lng: float) -> tuple[float, float]:
        return (
            round(off_x + (lng - min(lngs)) * k * scale, 1),
            round(height - off_y - (lat - min(lats)) * scale, 1),
        )

    points = [SketchPoint(*project(lat, lng), label=n) for lat, lng, n in located]
    line = " ".join("{},{}".format(*project(lat, lng)) for lat, lng in course)
    return Sketch(width, height, points, line)


def lane_signs(lane: Lane) -> QuerySet[Sign]:
    return Sign.objects.active().filter(lane=lane)


# ---------------------------------------------------------------------------------------
# Staff figures


def scan_days(days: int = 30, today: date | None = None) -> list[date]:
    today = today or timezone.localdate()
    return [today - timedelta(days=n) for n in range(days - 1, -1, -1)]


def scans_per_day(
    *, village: Village, days: int = 30, sign: Sign | None = None
) -> list[tuple[date, int]]:
    dates = scan_days(days)
    rows = ScanCount.objects.filter(sign__village=village, day__gte=dates[0])
    if sign is not None:
        rows = rows.filter(sign=sign)
    counts = dict(rows.values("day").annotate(n=Sum("count")).values_list("day", "n"))
    return [(d, int(counts.get(d, 0))) for d in dates]


def signs_with_scans(*, village: Village, days: int = 30) -> QuerySet[Sign]:
    since = timezone.localdate() - timedelta(days=days - 1)
    recent = (
        ScanCount.objects.filter(sign=OuterRef("pk"), day__gte=since)
        .order_by()
        .values("sign")
        .annotate(n=Sum("count"))
        .values("n")
    )
    return (
        Sign.objects.filter(village=village)
        .select_related("lane", "heritage_site", "household__lane")
        .annotate(recent_scans=Subquery(recent))
    )


def unknown_codes(*, days: int = 30) -> list[dict[str, Any]]:
    since = timezone.localdate() - timedelta(days=days - 1)
    return list(
        UnknownScan.objects.filter(day__gte=since)
        .values("code")
        .annotate(n=Sum("count"), days=Count("day"))
        .order_by("-n", "code")[:50]
    )


def sign_counts(*, village: Village) -> dict[str, int]:
    rows = Sign.objects.filter(village=village).values("is_active").annotate(n=Count("pk"))
    counts = {"active": 0, "disabled": 0}
    for row in rows:
        counts["active" if row["is_active"] else "disabled"] += row["n"]
    return counts


def decimal_or_none(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except ArithmeticError:
        return None
