"""Reads of the territory and the registry that depend on who asks."""

import re
from collections.abc import Mapping
from typing import Any

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from accounts.roles import STAFF_ROLES
from households.models import Household, Lane, Resident, Village
from households.registry import fold
from households.visibility import can_search_names, can_search_national_id


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
            household_count=_count(Household.objects.active()),
            resident_count=_count(
                Resident.objects.current().filter(household__status="active"),
                "household__village",
            ),
            lane_count=_count(Lane.objects.alive()),
        )
        .order_by("commune__name", "name")
    )


FILTERS = ("q", "lane", "status", "business", "missing")


def households_filtered(
    *, user: Any, village: Village, roles: frozenset[str], params: Mapping[str, str]
) -> QuerySet[Household]:
    """The staff household list of ``village``: search and filters from ``params``.

    ``q`` ignores case and diacritics and matches house numbers, digital addresses, lane and
    trade names and residents' names, word by word; a run of 9 to 12 digits also matches
    ID numbers, for roles that may see them. ``lane`` (id), ``status`` (a status value or
    "all"; active by default), ``business`` ("1"), ``missing`` ("address" or "location").
    Invalid values are ignored rather than failing the page.
    """
    households = (
        Household.objects.visible_to(user)
        .alive()
        .filter(village=village)
        .select_related("lane")
        .order_by("lane__sort_order", "lane__name", "house_number_key", "pk")
    )
    status = params.get("status") or Household.Status.ACTIVE
    if status in Household.Status.values:
        households = households.filter(status=status)
    lane = params.get("lane") or ""
    if lane.isdigit():
        households = households.filter(lane_id=int(lane))
    if params.get("business") == "1":
        households = households.filter(is_business=True)
    missing = params.get("missing")
    if missing == "address":
        households = households.filter(digital_address="")
    elif missing == "location":
        households = households.filter(Q(latitude__isnull=True) | Q(longitude__isnull=True))
    query = (params.get("q") or "").strip()[:100]
    if query:
        households = households.filter(
            _search_condition(query, village=village, roles=roles, superuser=user.is_superuser)
        )
        if can_search_names(roles, superuser=user.is_superuser):
            households = _best_matches_first(households, query)
    return households


def search_words(query: str) -> list[str]:
    return [w for w in re.split(r"[\s,;|]+", fold(query)) if w]


def name_matches(name: str, words: list[str]) -> bool:
    """Whether one person's name holds every word, each at the start of a word of the name."""
    folded = " " + fold(name)
    return all(" " + word in folded for word in words)


def _one_part_pattern(words: list[str]) -> str:
    """A regular expression for "one part of the search document holds every word".

    The document's parts (house number, digital address, lane, each person's name) are
    separated by "|"; each look-ahead stays inside one part, so "nguyen thi phuong" no longer
    finds a household where "Thị" and "Phương" are two different people.
    """
    return r"(^|\|)" + "".join(rf"(?=[^|]* {re.escape(word)})" for word in words)


def _best_matches_first(households: QuerySet[Household], query: str) -> QuerySet[Household]:
    """Exact names first, then names that start with the query, then the rest."""
    folded = fold(query)
    rank = Case(
        When(
            Q(search_document__contains=f"| {folded} |")
            | Q(search_document__endswith=f"| {folded} "),
            then=Value(0),
        ),
        When(search_document__contains=f"| {folded}", then=Value(1)),
        default=Value(2),
    )
    ordering = households.query.order_by
    return households.annotate(search_rank=rank).order_by("search_rank", *ordering)


def _search_condition(query: str, *, village: Village, roles: frozenset[str], superuser: bool) -> Q:
    if not can_search_names(roles, superuser=superuser):
        return _search_without_names(query)
    words = search_words(query)
    text = Q()
    for word in words:
        # Word starts only: "an" finds "An" and "Anh" but not "Lan". The plain containment
        # lets an index narrow the rows; the pattern then keeps the words within one part.
        text &= Q(search_document__contains=" " + word)
    if len(words) > 1:
        text &= Q(search_document__regex=_one_part_pattern(words))
    digits = re.sub(r"\D", "", query)
    if (
        9 <= len(digits) <= 12
        and len(digits) >= len(query.replace(" ", "")) - 1
        and (can_search_national_id(roles, superuser=superuser))
    ):
        by_id = Resident.objects.alive().filter(
            household__village=village, national_id__startswith=digits
        )
        return text | Q(pk__in=by_id.values("household_id"))
    return text


def _search_without_names(query: str) -> Q:
    """For roles that do not see names: each word matches the house number, the digital
    address, the trade name or the lane's name, never a resident."""
    condition = Q()
    for word in (w for w in re.split(r"[\s,;|]+", query) if w):
        condition &= (
            Q(house_number__icontains=word)
            | Q(digital_address__icontains=word)
            | Q(business_name__icontains=word)
            | Q(lane__name__icontains=word)
        )
    return condition
