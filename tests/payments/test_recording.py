"""Recording adoption: dated values, history, as-of reads, double taps and bad input."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from payments import services
from payments.figures import SPEC_BY_CODE
from payments.models import Observation, Visit
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def _record(household: Any, by: Any, day: Any, *entries: services.Entry, **kw: Any) -> Any:
    return services.adoption_record(
        household=household, entries=entries, observed_on=day, method="seen", by=by, **kw
    )


def test_the_value_on_a_past_date_is_the_latest_observation_before_it(
    family: dict, digital_team: Any
) -> None:
    today = timezone.localdate()
    head = family["head"]
    household = family["household"]
    _record(
        household,
        digital_team,
        today - timedelta(days=200),
        services.Entry("vneid", "none", "no_smartphone", head),
    )
    _record(
        household,
        digital_team,
        today - timedelta(days=100),
        services.Entry("vneid", "level1", "", head),
    )
    _record(
        household,
        digital_team,
        today - timedelta(days=10),
        services.Entry("vneid", "level2", "", head),
    )
    spec = SPEC_BY_CODE["vneid_level2_14plus"]
    village = household.village
    # head, elder and youth are 14 and over; the child is not counted.
    assert spec.counts(today, villages=[village.pk])[village.pk] == (1, 3)
    assert spec.counts(today - timedelta(days=50), villages=[village.pk])[village.pk] == (0, 3)
    assert list(spec.records(village, today)) == [head]
    assert head in spec.missing(village, today - timedelta(days=150))
    assert Observation.objects.filter(resident=head).count() == 3  # the history is kept
    current = services.current_values(household=household, residents=[head], day=today)
    assert current[(head.pk, "vneid")].value == "level2"
    before = services.current_values(
        household=household, residents=[head], day=today - timedelta(days=150)
    )
    assert before[(head.pk, "vneid")].reason == "no_smartphone"


def test_a_resident_who_left_is_not_counted_after_leaving(family: dict, digital_team: Any) -> None:
    today = timezone.localdate()
    youth = family["youth"]
    youth.left_on = today - timedelta(days=30)
    youth.save()
    spec = SPEC_BY_CODE["health_record_all"]
    village = family["household"].village
    assert spec.counts(today, villages=[village.pk])[village.pk][1] == 3
    assert spec.counts(today - timedelta(days=60), villages=[village.pk])[village.pk][1] == 4


def test_a_resident_born_later_is_not_counted_before_birth_age(family: dict) -> None:
    """The 16-year-old was 13 two years and a half ago: out of the 14+ denominator then."""
    today = timezone.localdate()
    spec = SPEC_BY_CODE["vneid_level2_14plus"]
    village = family["household"].village
    assert spec.counts(today - timedelta(days=900), villages=[village.pk])[village.pk][1] == 2


def test_a_double_tap_records_the_visit_once(family: dict, digital_team: Any) -> None:
    token = uuid.uuid4()
    household = family["household"]
    today = timezone.localdate()
    first = _record(
        household, digital_team, today, services.Entry("fibre", "yes"), submission_token=token
    )
    second = _record(
        household, digital_team, today, services.Entry("fibre", "yes"), submission_token=token
    )
    assert not first.duplicate and second.duplicate
    assert second.visit.pk == first.visit.pk
    assert Visit.objects.count() == 1
    assert Observation.objects.count() == 1


def test_the_database_refuses_a_second_visit_with_the_same_token(family: dict) -> None:
    token = uuid.uuid4()
    household = family["household"]
    day = timezone.localdate()
    Visit.objects.create(
        village=household.village, household=household, visited_on=day, submission_token=token
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Visit.objects.create(
            village=household.village, household=household, visited_on=day, submission_token=token
        )


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("future", "tương lai"),
        ("child_vneid", "chưa đủ 14 tuổi"),
        ("other_village", "không phải thành viên"),
        ("reason_when_adopted", "Chỉ ghi lý do"),
        ("bad_value", "không phải giá trị"),
        ("business_item", "hộ kinh doanh"),
        ("resident_item_for_household", "cho từng người"),
        ("bad_method", "cách kiểm tra"),
    ],
)
def test_bad_input_changes_nothing(
    case: str, message: str, family: dict, digital_team: Any, world: Any
) -> None:
    household = family["household"]
    today = timezone.localdate()
    entries = [services.Entry("fibre", "yes")]
    day, method = today, "seen"
    if case == "future":
        day = today + timedelta(days=1)
    elif case == "child_vneid":
        entries.append(services.Entry("vneid", "level2", "", family["child"]))
    elif case == "other_village":
        stranger = world.other_village.households.first().residents.first()
        entries.append(services.Entry("smartphone", "yes", "", stranger))
    elif case == "reason_when_adopted":
        entries.append(services.Entry("wifi", "yes", "not_interested"))
    elif case == "bad_value":
        entries.append(services.Entry("fibre", "level2"))
    elif case == "business_item":
        entries.append(services.Entry("cashless", "yes"))
    elif case == "resident_item_for_household":
        entries.append(services.Entry("epayment", "yes"))
    elif case == "bad_method":
        method = "guessed"
    with pytest.raises(ValidationError) as info:
        services.adoption_record(
            household=household,
            entries=entries,
            observed_on=day,
            method=method,
            by=digital_team,
            submission_token=uuid.uuid4(),
        )
    assert message in " ".join(info.value.messages)
    assert Observation.objects.count() == 0
    assert Visit.objects.count() == 0


def test_a_child_may_have_no_vneid_recorded(family: dict, digital_team: Any) -> None:
    outcome = _record(
        family["household"],
        digital_team,
        timezone.localdate(),
        services.Entry("vneid", "none", "", family["child"]),
    )
    assert outcome.observations[0].adopted is False


def test_an_import_skips_values_that_did_not_change(family: dict, digital_team: Any) -> None:
    household = family["household"]
    day = timezone.localdate()
    _record(household, digital_team, day - timedelta(days=5), services.Entry("fibre", "yes"))
    outcome = _record(
        household,
        digital_team,
        day,
        services.Entry("fibre", "yes"),
        services.Entry("wifi", "no", "cost"),
    )
    assert [o.item for o in outcome.observations] == ["wifi"]


def test_households_not_active_on_the_date_are_not_counted(family: dict, shop: Any) -> None:
    today = timezone.localdate()
    shop.status = "moved_away"
    shop.status_changed_on = today - timedelta(days=10)
    shop.save()
    spec = SPEC_BY_CODE["fibre_households"]
    village = shop.village
    assert spec.counts(today, villages=[village.pk])[village.pk][1] == 1
    assert spec.counts(today - timedelta(days=20), villages=[village.pk])[village.pk][1] == 2
    business = SPEC_BY_CODE["cashless_business"]
    assert business.counts(today - timedelta(days=20), villages=[village.pk])[village.pk] == (0, 1)
    assert village.pk not in business.counts(today, villages=[village.pk])


def test_a_resident_without_birth_date_counts_only_among_all_residents(world: Any) -> None:
    ResidentFactory(household=world.household, full_name="Không Rõ Tuổi")
    village = world.village
    today = timezone.localdate()
    assert (
        SPEC_BY_CODE["health_record_all"].counts(today, villages=[village.pk])[village.pk][1] == 3
    )
    assert village.pk not in SPEC_BY_CODE["digital_signature_adults"].counts(
        today, villages=[village.pk]
    )
