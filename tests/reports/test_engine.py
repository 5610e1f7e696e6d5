"""Figures computed by hand on a small village, thresholds, and dates."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.roles import Role
from households.models import Household, Village
from reports import engine
from reports.models import CriteriaSet, Indicator
from tests.factories import HouseholdFactory, LaneFactory, UserFactory, VillageFactory, membership
from tests.reports.factories import small_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_village() -> Village:
    """Ten active households: 7 with a digital address, 4 with a location; plus one moved away."""
    village = VillageFactory(name="Thôn Nhỏ", valid_from=date(2020, 1, 1))
    lane = LaneFactory(village=village)
    for n in range(10):
        HouseholdFactory(
            lane=lane,
            digital_address=f"DA{n:04d}" if n < 7 else "",
            latitude=18.3 if n < 4 else None,
            longitude=105.9 if n < 4 else None,
        )
    HouseholdFactory(lane=lane, digital_address="DA9999", status=Household.Status.MOVED_AWAY)
    for _ in range(2):
        membership(UserFactory(), Role.DIGITAL_TEAM, village)
    return village


def _set() -> CriteriaSet:
    return small_set(
        ("Địa chỉ số", "measure", "households_digital_address", "percent", 70),
        ("Vị trí", "measure", "households_location", "percent", 50),
        ("Tổ công nghệ số", "measure", "digital_team_members", "count", 3),
        ("Chưa có ứng dụng", "measure", "not_yet_installed_measure", "percent", 10),
        ("Wi-Fi", "attested", "", "yes", None),
    )


def test_it_computes_the_figures_counted_by_hand(small_village: Village) -> None:
    report = engine.evaluate_village(
        criteria_set=_set(), village=small_village, as_of=timezone.localdate()
    )
    address, location, team, missing, wifi = [c.indicators[0] for c in report.criteria]
    assert (address.figure.numerator, address.figure.denominator) == (7, 10)
    assert address.value == pytest.approx(70.0)
    assert address.passed is True  # 70% reaches "at least 70%"
    assert (location.figure.numerator, location.figure.denominator) == (4, 10)
    assert location.passed is False
    assert location.short_of == 1  # one more located household reaches 50%
    assert location.missing_count == 6
    assert team.figure.numerator == 2 and team.passed is False
    assert missing.available is False and missing.passed is None
    assert wifi.passed is False  # nobody attested it
    assert report.passed_count == 1
    assert report.passed is False


def test_all_villages_of_a_commune_at_once(
    small_village: Village, django_assert_max_num_queries
) -> None:
    second = VillageFactory(commune=small_village.commune, valid_from=date(2020, 1, 1))
    HouseholdFactory(lane=LaneFactory(village=second), digital_address="X1")
    criteria_set = _set()
    villages = Village.objects.filter(commune=small_village.commune)
    with django_assert_max_num_queries(8):
        reports = engine.evaluate(
            criteria_set=criteria_set, villages=villages, as_of=timezone.localdate()
        )
    assert reports[second.pk].criteria[0].indicators[0].figure.numerator == 1
    assert reports[second.pk].criteria[0].indicators[0].passed is True
    assert reports[small_village.pk].criteria[0].indicators[0].figure.denominator == 10


def test_a_village_with_no_household_reads_zero_over_zero(db: None) -> None:
    village = VillageFactory(valid_from=date(2020, 1, 1))
    result = (
        engine.evaluate_village(criteria_set=_set(), village=village, as_of=timezone.localdate())
        .criteria[0]
        .indicators[0]
    )
    assert (result.figure.numerator, result.figure.denominator) == (0, 0)
    assert result.value is None and result.passed is False


def test_a_date_before_the_village_existed_is_refused(small_village: Village) -> None:
    with pytest.raises(ValidationError, match=r"did not exist|chưa tồn tại"):
        engine.evaluate_village(
            criteria_set=_set(), village=small_village, as_of=date(2019, 12, 31)
        )


def test_a_future_date_is_refused(small_village: Village) -> None:
    with pytest.raises(ValidationError):
        engine.evaluate_village(
            criteria_set=_set(),
            village=small_village,
            as_of=timezone.localdate() + timedelta(days=1),
        )


def test_the_default_sets_reference_the_other_apps_measures(db: None) -> None:
    national = CriteriaSet.objects.get(province__isnull=True, status="in_use")
    codes = set(
        Indicator.objects.filter(criterion__criteria_set=national).values_list(
            "measure_code", flat=True
        )
    )
    assert {
        "lanes_with_active_signs",
        "feedback_acknowledged_on_time",
        "announcement_reach",
        "public_cameras_uptime_30d",
        "smartphone_working_age",
        "households_digital_address",
        "digital_team_members",
    } <= codes
    village = VillageFactory(valid_from=date(2020, 1, 1))
    report = engine.evaluate_village(
        criteria_set=national, village=village, as_of=timezone.localdate()
    )
    availability = {
        r.indicator.measure_code: r.available for c in report.criteria for r in c.indicators
    }
    assert availability["households_digital_address"] is True


def test_a_past_date_reads_the_registry_history(db: None) -> None:
    """As of ten days ago, the household had its digital address; it was removed since."""
    from datetime import datetime, time

    from households import services as registry
    from households.history import record, triggers_active
    from households.models import HouseholdEvent

    village = VillageFactory(valid_from=date(2020, 1, 1))
    lane = LaneFactory(village=village)
    kept = HouseholdFactory(lane=lane, digital_address="GIU-1")
    changed = HouseholdFactory(lane=lane, digital_address="DOI-1")
    if not triggers_active():
        record([kept, changed], "insert")
    long_ago = timezone.make_aware(datetime.combine(date(2026, 1, 1), time(9)))
    HouseholdEvent.objects.update(pgh_created_at=long_ago)
    registry.household_update(household=changed, by=None, digital_address="")
    HouseholdFactory(lane=lane, digital_address="MOI-1")  # new today: not there in the past
    criteria_set = small_set(
        ("Địa chỉ số", "measure", "households_digital_address", "percent", 100)
    )
    today = (
        engine.evaluate_village(
            criteria_set=criteria_set, village=village, as_of=timezone.localdate()
        )
        .criteria[0]
        .indicators[0]
    )
    past = (
        engine.evaluate_village(criteria_set=criteria_set, village=village, as_of=date(2026, 2, 1))
        .criteria[0]
        .indicators[0]
    )
    before = (
        engine.evaluate_village(
            criteria_set=criteria_set, village=village, as_of=date(2025, 12, 31)
        )
        .criteria[0]
        .indicators[0]
    )
    assert (today.figure.numerator, today.figure.denominator) == (2, 3)
    assert (past.figure.numerator, past.figure.denominator) == (2, 2)
    assert past.passed is True and today.passed is False
    assert (before.figure.numerator, before.figure.denominator) == (0, 0)
