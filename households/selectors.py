"""Reads of the territory and the registry that depend on who asks."""

import re
import uuid
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from accounts.roles import COMMUNE_ROLES, STAFF_ROLES
from households.models import Household, Lane, Resident, Village
from households.visibility import can_search_names, can_search_national_id
from villageportal.text import fold


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


def households_added_by_import(job_id: uuid.UUID) -> QuerySet[Any]:
    """The ids of the households an import created, as its history records them."""
    return Household.pgh_event_model.objects.filter(
        pgh_label="insert", pgh_context__metadata__import_job=str(job_id)
    ).values("pgh_obj_id")


def _import_id(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def households_filtered(
    *, user: Any, village: Village | None, roles: frozenset[str], params: Mapping[str, str]
) -> QuerySet[Household]:
    """The staff household list of ``village``: search and filters from ``params``.

    ``q`` ignores case and diacritics and matches house numbers, digital addresses, lane and
    trade names and residents' names, word by word; a run of 9 to 12 digits also matches
    ID numbers, for roles that may see them. ``lane`` (id), ``status`` (a status value or
    "all"; active by default), ``business`` ("1"), ``missing`` ("address" or "location"),
    ``import`` (an import job's id: the households it added, of any status unless one is given).
    Invalid values are ignored rather than failing the page.

    With ``village`` None the list covers every village the user may see, and what ``q``
    matches in each village follows the user's roles there (``roles`` is then unused).
    """
    households = Household.objects.visible_to(user).alive().select_related("lane")
    if village is not None:
        households = households.filter(village=village)
    households = households.order_by(
        *(() if village is not None else ("village_id",)),
        "lane__sort_order",
        "lane__name",
        "house_number_key",
        "pk",
    )
    added_by = _import_id(params.get("import") or "")
    if added_by is not None:
        households = households.filter(pk__in=households_added_by_import(added_by))
    status = params.get("status") or ("all" if added_by else Household.Status.ACTIVE)
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
    if not query:
        return households
    superuser = user.is_superuser
    if village is not None:
        groups = {(village.pk,): roles}
    elif superuser:
        groups = {None: frozenset()}
    else:
        groups = _villages_by_search_rights(user)
    condition = Q(pk__in=[])
    names_everywhere = True
    for village_ids, group_roles in groups.items():
        found = _search_condition(
            query, village_ids=village_ids, roles=group_roles, superuser=superuser
        )
        if village_ids is not None:
            found &= Q(village_id__in=village_ids)
        condition |= found
        names_everywhere &= can_search_names(group_roles, superuser=superuser)
    households = households.filter(condition)
    if names_everywhere:
        households = _best_matches_first(households, query)
    return households


def _villages_by_search_rights(user: Any) -> dict[tuple[Any, ...], frozenset[str]]:
    """The user's villages grouped by what a search may match there, with a group's roles.

    Roles as ``accounts.access.roles_in_village`` counts them, in two queries for all villages.
    """
    by_village: dict[Any, set[str]] = defaultdict(set)
    by_commune: dict[Any, set[str]] = defaultdict(set)
    for role, village_id, commune_id in user.memberships.values_list(
        "role", "village_id", "commune_id"
    ):
        if village_id is not None:
            by_village[village_id].add(role)
        elif commune_id is not None and role in COMMUNE_ROLES:
            by_commune[commune_id].add(role)
    if by_commune:
        for village_id, commune_id in Village.objects.filter(commune_id__in=by_commune).values_list(
            "pk", "commune_id"
        ):
            by_village[village_id] |= by_commune[commune_id]
    grouped: dict[tuple[bool, bool], tuple[list[Any], frozenset[str]]] = {}
    for village_id, village_roles in by_village.items():
        key = (can_search_names(village_roles), can_search_national_id(village_roles))
        ids, _roles = grouped.setdefault(key, ([], frozenset(village_roles)))
        ids.append(village_id)
    return {tuple(ids): group_roles for ids, group_roles in grouped.values()}


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


def _search_condition(
    query: str, *, village_ids: tuple[Any, ...] | None, roles: frozenset[str], superuser: bool
) -> Q:
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
        by_id = Resident.objects.alive().filter(national_id__startswith=digits)
        if village_ids is not None:
            by_id = by_id.filter(household__village_id__in=village_ids)
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
