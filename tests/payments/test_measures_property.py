"""Property: every adoption measure equals a plain Python count over random registries."""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from households.history import record, triggers_active
from households.models import Household, HouseholdEvent, Lane, Resident
from payments.denominators import age_on
from payments.figures import SPECS
from payments.models import (
    ADOPTED_VALUES,
    BUSINESS_ITEMS,
    HOUSEHOLD_ITEMS,
    RESIDENT_ITEMS,
    Observation,
    values_for,
)
from reports.registry import MEASURES, batch

pytestmark = pytest.mark.django_db

BASE = date(2025, 6, 15)
offsets = st.integers(min_value=-400, max_value=60)
maybe_offset = st.none() | offsets
# A moment of the registry's history: a day and a time around the day's edges.
moments = st.tuples(offsets, st.sampled_from([time(0, 0), time(8, 30), time(23, 59)]))


def _observation() -> st.SearchStrategy:
    return st.tuples(
        st.sampled_from([str(i) for i in RESIDENT_ITEMS]),
        st.integers(0, 2),
        offsets,
        st.integers(0, 3),
    )


resident_strategy = st.fixed_dictionaries(
    {
        # birth: ages around the band edges (13-19, 58-61) and anything else
        "birth": st.none()
        | st.integers(min_value=0, max_value=90 * 366).map(lambda d: BASE - timedelta(days=d))
        | st.sampled_from([13, 14, 15, 17, 18, 59, 60]).flatmap(
            lambda y: st.sampled_from([-1, 0, 0, 1]).map(
                lambda d, y=y: BASE.replace(year=BASE.year - y) + timedelta(days=d)
            )
        ),
        "joined": maybe_offset,
        "left": maybe_offset,
        "deleted": st.booleans(),
        "observations": st.lists(_observation(), max_size=4),
    }
)
household_strategy = st.fixed_dictionaries(
    {
        "village": st.integers(0, 1),
        "business": st.booleans(),
        # None: no history at all (rows loaded without it); else when the row was entered
        # and when its business flag was turned over since.
        "history": st.none() | st.tuples(moments, st.lists(moments, max_size=3)),
        "status": st.sampled_from(["active", "active", "moved_away", "dissolved"]),
        "changed": maybe_offset,
        "established": maybe_offset,
        "deleted": st.integers(0, 9).map(lambda n: n == 0),
        "residents": st.lists(resident_strategy, max_size=4),
        "observations": st.lists(
            st.tuples(
                st.sampled_from([str(i) for i in HOUSEHOLD_ITEMS + BUSINESS_ITEMS]),
                st.integers(0, 1),
                offsets,
                st.integers(0, 3),
            ),
            max_size=5,
        ),
    }
)


def _day(offset: int | None) -> date | None:
    return None if offset is None else BASE + timedelta(days=offset)


def _active(h: Household, day: date) -> bool:
    return (
        h.deleted_at is None
        and (h.established_on is None or h.established_on <= day)
        and (
            h.status == "active" or (h.status_changed_on is not None and h.status_changed_on > day)
        )
    )


def _present(r: Resident, h: Household, day: date) -> bool:
    return (
        r.deleted_at is None
        and (r.joined_on is None or r.joined_on <= day)
        and (r.left_on is None or r.left_on > day)
        and _active(h, day)
    )


def _moment(moment: tuple[int, time]) -> datetime:
    offset, at = moment
    return timezone.make_aware(datetime.combine(BASE + timedelta(days=offset), at))


def _stamp_latest_event(household: Household, moment: tuple[int, time]) -> None:
    latest = HouseholdEvent.objects.filter(pgh_obj=household).order_by("-pgh_id").first()
    assert latest is not None
    HouseholdEvent.objects.filter(pk=latest.pk).update(pgh_created_at=_moment(moment))


def _business_on(h: Household, day: date, events: dict[int, list]) -> bool:
    """The flag of the latest event before the end of the day, else the first one recorded,
    else the current flag; as of today the current flag."""
    if day >= timezone.localdate():
        return h.is_business
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    known = events.get(h.pk, [])
    then = [flag for at, _pk, flag in known if at < end]
    if then:
        return then[-1]
    return known[0][2] if known else h.is_business


def _expected(
    spec: Any,
    day: date,
    households: list,
    residents: list,
    observations: list,
    events: dict[int, list],
) -> dict:
    latest: dict[tuple[str, int, str], Observation] = {}
    for o in sorted(observations, key=lambda o: (o.observed_on, o.recorded_at, o.pk)):
        if o.observed_on <= day:
            key = ("r", o.resident_id, o.item) if o.resident_id else ("h", o.household_id, o.item)
            latest[key] = o
    result: dict[Any, list[int]] = {}
    if spec.subject == "resident":
        by_id = {h.pk: h for h in households}
        for r in residents:
            h = by_id[r.household_id]
            if not _present(r, h, day) or not spec.band.contains(r.birth_date, day):
                continue
            row = result.setdefault(h.village_id, [0, 0])
            row[1] += 1
            o = latest.get(("r", r.pk, spec.item))
            row[0] += bool(o and o.value in ADOPTED_VALUES)
    else:
        for h in households:
            if not _active(h, day) or (spec.business_only and not _business_on(h, day, events)):
                continue
            row = result.setdefault(h.village_id, [0, 0])
            row[1] += 1
            o = latest.get(("h", h.pk, spec.item))
            row[0] += bool(o and o.value in ADOPTED_VALUES)
    return {k: tuple(v) for k, v in result.items()}


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.lists(household_strategy, min_size=1, max_size=6),
    as_of=st.just(0) | st.integers(-420, 70),
)
def test_measures_match_a_plain_count(world: Any, data: list, as_of: int) -> None:
    villages = [world.village, world.other_village]
    lanes = [Lane.objects.get(village=v, name__in=["Ngõ Văn hóa", "Ngõ Khác"]) for v in villages]
    with transaction.atomic():
        households, residents, observations = [], [], []
        recorded = datetime(2025, 1, 1, tzinfo=UTC)
        for n, spec in enumerate(data):
            h = Household.objects.create(
                village=villages[spec["village"]],
                lane=lanes[spec["village"]],
                house_number=f"P{n}",
                is_business=spec["business"],
                status=spec["status"],
                status_changed_on=_day(spec["changed"]) if spec["status"] != "active" else None,
                established_on=_day(spec["established"]),
                deleted_at=recorded if spec["deleted"] else None,
            )
            households.append(h)
            if spec["history"] is None:
                HouseholdEvent.objects.filter(pgh_obj=h).delete()
            else:
                entered, turns = spec["history"]
                if not triggers_active():
                    record([h], "insert")
                _stamp_latest_event(h, entered)
                for moment in turns:
                    h.is_business = not h.is_business
                    h.save(update_fields=["is_business"])
                    if not triggers_active():
                        record([h], "update")
                    _stamp_latest_event(h, moment)
            for m, rs in enumerate(spec["residents"]):
                r = Resident.objects.create(
                    household=h,
                    full_name=f"Người {n}-{m}",
                    gender="male",
                    birth_date=rs["birth"],
                    joined_on=_day(rs["joined"]),
                    left_on=_day(rs["left"]),
                    deleted_at=recorded if rs["deleted"] else None,
                )
                residents.append(r)
                for item, value, offset, tick in rs["observations"]:
                    values = values_for(item)
                    o = Observation(
                        village=h.village,
                        household=h,
                        resident=r,
                        item=item,
                        value=values[value % len(values)],
                        observed_on=_day(offset),
                        method="seen",
                        recorded_at=recorded + timedelta(hours=tick),
                    )
                    o.save()
                    observations.append(o)
            for item, value, offset, tick in spec["observations"]:
                o = Observation(
                    village=h.village,
                    household=h,
                    item=item,
                    value=values_for(item)[value],
                    observed_on=_day(offset),
                    method="seen",
                    recorded_at=recorded + timedelta(hours=tick),
                )
                o.save()
                observations.append(o)
        # the fixture's own households and residents count too
        households = list(Household.objects.all())
        residents = list(Resident.objects.all())
        events: dict[int, list] = defaultdict(list)
        for event in HouseholdEvent.objects.order_by("pgh_created_at", "pgh_id"):
            events[event.pgh_obj_id].append((event.pgh_created_at, event.pgh_id, event.is_business))
        day = _day(as_of)
        village_qs = type(world.village).objects.filter(pk__in=[v.pk for v in villages])
        for spec in SPECS:
            measure = MEASURES[spec.code]
            got = {
                pk: (f.numerator, f.denominator)
                for pk, f in measure.compute(village_qs, day).items()
            }
            want = _expected(spec, day, households, residents, observations, events)
            assert got == want, spec.code
            for village in villages:
                n, d = want.get(village.pk, (0, 0))
                assert measure.records(village, day).count() == n, spec.code
                assert measure.missing(village, day).count() == d - n, spec.code
        # As a report computes them: all at once, sharing queries (on PostgreSQL the resident
        # figures come from one pass, ``resident_counts_together``).
        with batch():
            for spec in SPECS:
                got = {
                    pk: (f.numerator, f.denominator)
                    for pk, f in MEASURES[spec.code].compute(village_qs, day).items()
                }
                want = _expected(spec, day, households, residents, observations, events)
                assert got == want, f"{spec.code} in a batch"
        transaction.set_rollback(True)


def test_every_measure_code_of_the_issue_is_registered() -> None:
    codes = {
        "vneid_level2_14plus",
        "epayment_working_age",
        "smartphone_working_age",
        "digital_skills_working_age",
        "digital_signature_adults",
        "health_record_all",
        "cashless_business",
        "fibre_households",
        "digital_channel_households",
    }
    assert codes <= set(MEASURES)
    assert all(MEASURES[c].app == "payments" for c in codes)


def test_ages_are_counted_in_completed_years_across_leap_days() -> None:
    assert age_on(date(2012, 2, 29), date(2026, 2, 28)) == 13
    assert age_on(date(2012, 2, 29), date(2026, 3, 1)) == 14
    assert age_on(date(2011, 11, 23), date(2025, 11, 23)) == 14
