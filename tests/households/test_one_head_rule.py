"""Exactly one head per active household, enforced by PostgreSQL whatever the path.

The check is deferred to the end of the transaction; ``connection.check_constraints()`` runs
it on the spot (``SET CONSTRAINTS ALL IMMEDIATE``), the way a commit would.
"""

import pytest
from django.db import IntegrityError, connection, transaction

from households import services as registry
from households.models import Household, Resident
from tests.conftest import POSTGRES_AVAILABLE
from tests.factories import HouseholdFactory, ResidentFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("enforce_head_check"),
    pytest.mark.skipif(not POSTGRES_AVAILABLE, reason="a PostgreSQL trigger (DATABASE_URL)"),
]


def _commit_check() -> None:
    connection.check_constraints()


def _refused(work) -> None:
    with pytest.raises(IntegrityError, match="exactly one head"), transaction.atomic():
        work()
        _commit_check()


def test_a_household_without_a_head_cannot_be_committed(world) -> None:
    _refused(lambda: HouseholdFactory(village=world.village, lane=world.lane, house_number="9"))
    assert not Household.objects.filter(house_number="9").exists()


def test_a_household_with_its_head_can(world) -> None:
    with transaction.atomic():
        household = HouseholdFactory(village=world.village, lane=world.lane, house_number="9")
        ResidentFactory(household=household, is_head=True)
        _commit_check()


def test_the_head_cannot_be_demoted_without_a_successor(world) -> None:
    _refused(lambda: Resident.objects.filter(household=world.household).update(is_head=False))


def test_the_head_cannot_leave_or_be_deleted_by_any_path(world) -> None:
    head = world.household.residents.get(is_head=True)
    _refused(
        lambda: Resident.objects.filter(pk=head.pk).update(is_head=False, left_on="2026-01-01")
    )
    _refused(lambda: Resident.objects.filter(pk=head.pk).delete())

    def raw_sql() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE households_resident SET is_head = false WHERE id = %s", [head.pk]
            )

    _refused(raw_sql)


def test_the_head_cannot_be_moved_out_by_a_bulk_update(world) -> None:
    head = world.household.residents.get(is_head=True)
    other = HouseholdFactory(village=world.village, lane=world.lane, house_number="30")
    ResidentFactory(household=other, is_head=True)
    _refused(lambda: Resident.objects.filter(pk=head.pk).update(household=other, is_head=False))


def test_reactivating_a_household_needs_a_head(world) -> None:
    dissolved = HouseholdFactory(
        village=world.village, lane=world.lane, house_number="31", status="dissolved"
    )
    _commit_check()  # a dissolved household may have no head
    _refused(lambda: Household.objects.filter(pk=dissolved.pk).update(status="active"))


def test_every_registry_operation_keeps_the_rule(world) -> None:
    """Change the head, move, split, merge and leave: each one commits cleanly."""
    household = world.household
    member = household.residents.get(is_head=False)
    registry.household_change_head(household=household, new_head=member, by=None)
    _commit_check()

    extra = registry.resident_add(
        household=household, by=None, full_name="Lê Văn Ba", gender="male"
    )
    new = registry.household_split(
        household=household, residents=[extra], new_head=extra, by=None, house_number="5B"
    )
    _commit_check()

    registry.household_merge(source=new, target=household, by=None)
    _commit_check()
    assert household.residents.current().filter(is_head=True).count() == 1


def test_an_import_checks_each_batch_in_one_statement(world) -> None:
    """The import sets the per-row triggers aside for its transaction and checks batches."""
    from households.imports.write import Writer
    from households.models import ImportJob

    job = ImportJob.objects.create(village=world.village, original_name="ho.csv")
    headless = HouseholdFactory(village=world.village, lane=world.lane, house_number="77")
    writer = Writer(job)
    writer._check_heads([world.household.pk])  # has its head: fine
    with pytest.raises(IntegrityError, match="exactly one head"):
        writer._check_heads([world.household.pk, headless.pk])
