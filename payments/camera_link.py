"""The home cameras of the cameras app, read as a fact about a household.

A household has "a home camera joined to the village network" when the cameras app records a
household camera owned by it, in its village, enabled, whose owner's consent was recorded on or
before the date. That fact is read only here: the digital team can still record its own
observation of the item, and the figure counts a household when either says yes. When the
cameras app is not installed, nothing is derived and only the observations count.
"""

from datetime import date
from typing import Any

from django.apps import apps
from django.db.models import Exists, OuterRef, QuerySet


def available() -> bool:
    return apps.is_installed("cameras")


def _cameras(day: date) -> QuerySet | None:
    if not available():
        return None
    from cameras.models import Camera

    return Camera.objects.filter(
        kind=Camera.Kind.HOUSEHOLD,
        enabled=True,
        household__isnull=False,
        consent_on__isnull=False,
        consent_on__lte=day,
    )


def joined_exists(day: date) -> Exists | None:
    """An ``Exists`` for the outer household row, or None without the cameras app."""
    cameras = _cameras(day)
    if cameras is None:
        return None
    return Exists(cameras.filter(household_id=OuterRef("pk"), village_id=OuterRef("village_id")))


def joined_cameras(household: Any, day: date) -> list[dict[str, Any]]:
    """The household's joined cameras on ``day``: name and consent date only (no address)."""
    cameras = _cameras(day)
    if cameras is None:
        return []
    return list(
        cameras.filter(household=household, village_id=household.village_id)
        .order_by("name", "pk")
        .values("name", "consent_on")
    )
