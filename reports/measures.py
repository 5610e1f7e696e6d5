"""The registry's own measures: digital address, location, community digital team.

Each computes every village at once with one grouped query. As of today they read the
registry; as of a past day they read the registry's history (the latest recorded state of
each household before the end of that day). The lists behind the figures read the same
rows, so that a list as of a past day holds the households the figure counted then.
"""

from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.apps import apps
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership
from accounts.roles import Role
from households.models import Household, Village
from reports.registry import Compute, Figure, Measure, register, shared


def end_of_day(as_of: date) -> datetime:
    """The first instant after ``as_of`` in the portal's time zone."""
    return timezone.make_aware(datetime.combine(as_of + timedelta(days=1), time.min))


def households_as_of(villages: QuerySet, as_of: date) -> QuerySet:
    """Active households of ``villages`` as they stood at the end of ``as_of``.

    Annotated with ``h_village``, ``h_address``, ``h_lat``, ``h_lon`` so that today and past
    days are read the same way.
    """
    village_ids = villages.values("pk")
    if as_of >= timezone.localdate():
        return (
            Household.objects.active()
            .filter(village__in=village_ids)
            .annotate(
                h_village=F("village_id"),
                h_address=F("digital_address"),
                h_lat=F("latitude"),
                h_lon=F("longitude"),
            )
        )
    event = apps.get_model("households", "HouseholdEvent")
    latest = event.objects.filter(pgh_obj=OuterRef("pk"), pgh_created_at__lt=end_of_day(as_of))
    latest = latest.order_by("-pgh_created_at", "-pgh_id")

    def field(name: str) -> Subquery:
        return Subquery(latest.values(name)[:1])

    return (
        Household.objects.annotate(
            h_village=field("village_id"),
            h_status=field("status"),
            h_deleted=field("deleted_at"),
            h_address=field("digital_address"),
            h_lat=field("latitude"),
            h_lon=field("longitude"),
        )
        .filter(h_village__in=village_ids, h_status=Household.Status.ACTIVE)
        .filter(h_deleted__isnull=True)
    )


HAS_ADDRESS = ~Q(h_address="") & Q(h_address__isnull=False)
HAS_LOCATION = Q(h_lat__isnull=False, h_lon__isnull=False)


def household_counts(villages: QuerySet, as_of: date) -> dict:
    """Per village: active households, with an address, with a location (one query, shared by
    the household measures of a batch)."""

    def run() -> dict:
        rows = (
            households_as_of(villages, as_of)
            .order_by()
            .values("h_village")
            .annotate(
                total=Count("pk"),
                address=Count("pk", filter=HAS_ADDRESS),
                location=Count("pk", filter=HAS_LOCATION),
            )
        )
        # SQLite hands a subquery's UUID back as its hex text: keys are made UUIDs again.
        return {UUID(str(r["h_village"])): r for r in rows}

    return shared(("households", str(villages.values("pk").query), as_of), run)


def _household_ratio(column: str) -> Compute:
    def compute(villages: QuerySet, as_of: date) -> dict:
        return {
            pk: Figure(row[column], row["total"])
            for pk, row in household_counts(villages, as_of).items()
        }

    return compute


def _households(village: Village, as_of: date) -> QuerySet:
    """The village's active households on ``as_of``, read as the figures read them."""
    return (
        households_as_of(Village.objects.filter(pk=village.pk), as_of)
        .select_related("lane", "village")
        .order_by("lane__sort_order", "house_number_key", "pk")
    )


NO_ADDRESS = Q(h_address="") | Q(h_address__isnull=True)
NO_LOCATION = Q(h_lat__isnull=True) | Q(h_lon__isnull=True)


def _digital_team(villages: QuerySet, as_of: date) -> dict:
    rows = (
        Membership.objects.filter(
            role=Role.DIGITAL_TEAM,
            village__in=villages.values("pk"),
            created_at__lt=end_of_day(as_of),
        )
        .order_by()
        .values("village_id")
        .annotate(n=Count("user_id", distinct=True))
    )
    return {r["village_id"]: Figure(r["n"]) for r in rows}


register(
    Measure(
        code="households_digital_address",
        label=_("Households with a digital address"),
        definition=_(
            "Active households that have a digital address code (mã địa chỉ số), "
            "over all active households of the village."
        ),
        unit=Measure.PERCENT,
        compute=_household_ratio("address"),
        records=lambda village, as_of: _households(village, as_of).filter(HAS_ADDRESS),
        missing=lambda village, as_of: _households(village, as_of).filter(NO_ADDRESS),
        app="households",
    )
)

register(
    Measure(
        code="households_location",
        label=_("Households with a location"),
        definition=_(
            "Active households whose position (latitude and longitude) is recorded, "
            "over all active households of the village."
        ),
        unit=Measure.PERCENT,
        compute=_household_ratio("location"),
        records=lambda village, as_of: _households(village, as_of).filter(HAS_LOCATION),
        missing=lambda village, as_of: _households(village, as_of).filter(NO_LOCATION),
        app="households",
    )
)

register(
    Measure(
        code="digital_team_members",
        label=_("Community digital team members"),
        definition=_(
            "People holding the community digital team role (tổ công nghệ số cộng đồng) "
            "in the village."
        ),
        unit=Measure.COUNT,
        compute=_digital_team,
        app="accounts",
    )
)

register(
    Measure(
        code="active_households",
        label=_("Active households"),
        definition=_("Households of the registry that live in the village (not moved away)."),
        unit=Measure.COUNT,
        compute=lambda villages, as_of: {
            pk: Figure(row["total"]) for pk, row in household_counts(villages, as_of).items()
        },
        records=_households,
        app="households",
    )
)
