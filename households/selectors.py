"""Reads of the territory that depend on who asks."""

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.roles import STAFF_ROLES
from households.models import Household, Lane, Resident, Village


def _count(queryset: QuerySet, village_lookup: str = "village") -> Coalesce:
    """A correlated count of ``queryset`` rows per village, for ``annotate``."""
    counted = (
        queryset.filter(**{village_lookup: OuterRef("pk")})
        .order_by()
        .values(village_lookup)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def villages_with_counts(*, user: Any, roles: frozenset[str] = STAFF_ROLES) -> QuerySet[Village]:
    """The user's villages with their registry counts, in one query."""
    return (
        Village.objects.visible_to(user, roles)
        .select_related("commune__province")
        .annotate(
            household_count=_count(Household.objects.all()),
            resident_count=_count(Resident.objects.all(), "household__village"),
            lane_count=_count(Lane.objects.all()),
        )
        .order_by("commune__name", "name")
    )
