"""Every measure of the registry against a plain Python computation on random data."""

from datetime import date

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from accounts.roles import Role
from households.models import Household, Village
from reports.registry import MEASURES, Figure
from tests.factories import (
    CommuneFactory,
    HouseholdFactory,
    LaneFactory,
    UserFactory,
    VillageFactory,
    membership,
)

household = st.fixed_dictionaries(
    {
        "village": st.integers(0, 2),
        "address": st.booleans(),
        "located": st.sampled_from(["both", "lat_only", "none"]),
        "status": st.sampled_from(list(Household.Status.values)),
        "deleted": st.booleans(),
    }
)
team = st.lists(st.integers(0, 2), max_size=6)

OWN_MEASURES = (
    "households_digital_address",
    "households_location",
    "active_households",
    "digital_team_members",
)


def expected(code: str, rows: list[dict], members: list[int], village: int) -> Figure:
    """The figure by plain Python over the generated rows."""
    active = [
        r for r in rows if r["village"] == village and r["status"] == "active" and not r["deleted"]
    ]
    if code == "households_digital_address":
        return Figure(sum(1 for r in active if r["address"]), len(active))
    if code == "households_location":
        return Figure(sum(1 for r in active if r["located"] == "both"), len(active))
    if code == "active_households":
        return Figure(len(active))
    if code == "digital_team_members":
        return Figure(sum(1 for m in members if m == village))
    raise AssertionError(code)


class MeasuresMatchPlainPython(TestCase):
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(rows=st.lists(household, max_size=25), members=team)
    def test_each_registry_measure_equals_the_plain_computation(
        self, rows: list[dict], members: list[int]
    ) -> None:
        commune = CommuneFactory()
        villages = [VillageFactory(commune=commune, valid_from=date(2020, 1, 1)) for _ in range(3)]
        lanes = [LaneFactory(village=v) for v in villages]
        for n, row in enumerate(rows):
            HouseholdFactory(
                lane=lanes[row["village"]],
                house_number=str(n + 1),
                digital_address=f"DA-{n}" if row["address"] else "",
                latitude=18.1 if row["located"] != "none" else None,
                longitude=105.7 if row["located"] == "both" else None,
                status=row["status"],
                deleted_at=timezone.now() if row["deleted"] else None,
            )
        for index in members:
            membership(UserFactory(), Role.DIGITAL_TEAM, villages[index])
        queryset = Village.objects.filter(commune=commune)
        for code in OWN_MEASURES:
            measure = MEASURES[code]
            figures = measure.compute(queryset, timezone.localdate())
            for index, village in enumerate(villages):
                want = expected(code, rows, members, index)
                got = figures.get(village.pk)
                if got is None:  # a village with no data reads as zero over zero
                    got = Figure(0, 0 if want.denominator is not None else None)
                assert (got.numerator, got.denominator) == (want.numerator, want.denominator), (
                    code,
                    index,
                )
                if measure.missing is not None and want.denominator is not None:
                    missing = measure.missing(village, timezone.localdate()).count()
                    assert missing == want.denominator - want.numerator, code


class PastDatesMatchTheHistory(TestCase):
    """As of a past day the household measures read the history: the figures then are those
    of the data as it was, whatever changed since."""

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(rows=st.lists(household, min_size=1, max_size=15), cleared=st.sets(st.integers(0, 14)))
    def test_the_past_figure_is_the_figure_of_the_data_then(
        self, rows: list[dict], cleared: set[int]
    ) -> None:
        from datetime import datetime, time

        from households import services as registry
        from households.history import record, triggers_active
        from households.models import HouseholdEvent

        commune = CommuneFactory()
        villages = [VillageFactory(commune=commune, valid_from=date(2020, 1, 1)) for _ in range(3)]
        lanes = [LaneFactory(village=v) for v in villages]
        made = []
        for n, row in enumerate(rows):
            made.append(
                HouseholdFactory(
                    lane=lanes[row["village"]],
                    house_number=str(n + 1),
                    digital_address=f"DA-{n}" if row["address"] else "",
                    latitude=18.1 if row["located"] != "none" else None,
                    longitude=105.7 if row["located"] == "both" else None,
                    status=row["status"],
                    deleted_at=timezone.now() if row["deleted"] else None,
                )
            )
        if not triggers_active():
            record(made, "insert")
        then = timezone.make_aware(datetime.combine(date(2025, 6, 1), time(8)))
        HouseholdEvent.objects.filter(pgh_obj__in=made).update(pgh_created_at=then)
        for index in cleared:
            if index < len(made) and rows[index]["address"]:
                registry.household_update(household=made[index], by=None, digital_address="")
        queryset = Village.objects.filter(commune=commune)
        for code in ("households_digital_address", "households_location", "active_households"):
            figures = MEASURES[code].compute(queryset, date(2025, 7, 1))
            for index, village in enumerate(villages):
                want = expected(code, rows, [], index)
                got = figures.get(village.pk) or Figure(
                    0, 0 if want.denominator is not None else None
                )
                assert (got.numerator, got.denominator) == (want.numerator, want.denominator), code
        # and before the data existed, nothing at all
        assert MEASURES["active_households"].compute(queryset, date(2025, 5, 1)) == {}
