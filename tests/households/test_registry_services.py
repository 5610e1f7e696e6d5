import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from households import services as registry
from households.models import Household, Resident, natural_key
from tests.factories import HouseholdFactory, LaneFactory, ResidentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("enforce_head_check")]

HEAD = {"full_name": "Nguyễn Văn An", "gender": "male", "national_id": "042090000001"}


def _new(village, lane, number="7", **extra):
    return registry.household_create(
        village=village,
        by=None,
        head=dict(HEAD, **extra.pop("head", {})),
        lane=lane,
        house_number=number,
        **extra,
    )


def test_a_household_is_created_with_its_head_in_one_step(village, world) -> None:
    household = _new(village, world.lane, digital_address="HT0001234567")
    head = household.residents.get()
    assert head.is_head and head.relationship == "head"
    assert " nguyen van an" in household.search_document
    assert " ngo van hoa" in household.search_document


def test_house_numbers_sort_naturally(village, world) -> None:
    for number in ["10", "2", "5", "10/2"]:  # "5A" is already there
        household = HouseholdFactory(village=village, lane=world.lane, house_number=number)
        ResidentFactory(household=household, is_head=True)
    ordered = Household.objects.in_lane(world.lane).values_list("house_number", flat=True)
    assert list(ordered) == ["2", "5", "5A", "10", "10/2"]
    assert natural_key("2") < natural_key("10") < natural_key("10/2")
    assert natural_key("5") < natural_key("5A") < natural_key("6")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"head": {"national_id": "04209000000"}}, "national_id"),  # 11 digits
        ({"head": {"national_id": "04209000000X"}}, "national_id"),
        ({"digital_address": "không hợp lệ!"}, "digital_address"),
        ({"house_number": "  "}, "house_number"),
        ({"head": {"full_name": " "}}, "full_name"),
        ({"head": {"phone": "12ab"}}, "phone"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(village, world, extra, field) -> None:
    before = (Household.objects.count(), Resident.objects.count())
    number = extra.pop("house_number", "8")
    with pytest.raises(ValidationError) as caught:
        _new(village, world.lane, number=number, **extra)
    assert field in str(caught.value) or caught.value.messages
    assert (Household.objects.count(), Resident.objects.count()) == before


def test_duplicates_are_refused(village, world) -> None:
    _new(village, world.lane, number="9", digital_address="HT0009999999")
    with pytest.raises(ValidationError) as same_id:
        _new(village, world.lane, number="11")  # same CCCD as the first head
    assert set(same_id.value.message_dict) == {"national_id"}
    assert "đã được đăng ký" in same_id.value.message_dict["national_id"][0]
    with pytest.raises(ValidationError) as same_number:
        _new(village, world.lane, number="9", head={"national_id": ""})
    assert set(same_number.value.message_dict) == {"house_number"}
    with pytest.raises(ValidationError) as same_address:
        _new(
            village,
            world.lane,
            number="12",
            digital_address="HT0009999999",
            head={"national_id": ""},
        )
    assert set(same_address.value.message_dict) == {"digital_address"}


def test_the_database_refuses_a_second_head(world) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ResidentFactory(household=world.household, is_head=True)


def test_changing_the_head_keeps_exactly_one(world) -> None:
    member = world.household.residents.get(is_head=False)
    registry.household_change_head(household=world.household, new_head=member, by=None)
    heads = world.household.residents.filter(is_head=True)
    assert list(heads) == [member]


def test_moving_the_head_needs_a_successor(world, village) -> None:
    other = HouseholdFactory(village=village, lane=world.lane, house_number="99")
    ResidentFactory(household=other, is_head=True, full_name="Lê Văn Chủ")
    head = world.household.residents.get(is_head=True)
    with pytest.raises(ValidationError):
        registry.resident_move(resident=head, to_household=other, by=None)
    successor = world.household.residents.get(is_head=False)
    registry.resident_move(resident=head, to_household=other, by=None, new_head=successor)
    head.refresh_from_db()
    assert head.household == other and not head.is_head
    assert world.household.residents.get(is_head=True) == successor
    assert " nguyen van an" in Household.objects.get(pk=other.pk).search_document


def test_moving_to_another_village_is_refused(world) -> None:
    foreign = world.other_village.households.get()
    member = world.household.residents.get(is_head=False)
    with pytest.raises(ValidationError):
        registry.resident_move(resident=member, to_household=foreign, by=None)


def test_split_and_merge(world, village) -> None:
    extra = ResidentFactory(household=world.household, full_name="Nguyễn Văn Con")
    member = world.household.residents.get(full_name="Trần Thị Bình")
    new = registry.household_split(
        household=world.household,
        residents=[member, extra],
        new_head=member,
        by=None,
        lane=world.lane,
        house_number="5B",
    )
    assert set(new.residents.values_list("full_name", flat=True)) == {
        "Trần Thị Bình",
        "Nguyễn Văn Con",
    }
    assert new.residents.get(is_head=True) == member
    assert world.household.residents.current().count() == 1
    registry.household_merge(source=new, target=world.household, by=None)
    new.refresh_from_db()
    assert new.status == Household.Status.DISSOLVED
    assert world.household.residents.current().count() == 3
    assert world.household.residents.filter(is_head=True).count() == 1


def test_soft_delete_keeps_the_record_and_the_reason(world, officer) -> None:
    with pytest.raises(ValidationError):
        registry.household_delete(household=world.household, by=officer, reason="")
    registry.household_delete(household=world.household, by=officer, reason="Nhập trùng")
    household = Household.objects.get(pk=world.household.pk)
    assert household.deleted_at and household.deleted_reason == "Nhập trùng"
    assert not Household.objects.alive().filter(pk=household.pk).exists()


def test_removing_a_staff_account_keeps_what_they_entered(village, world, officer) -> None:
    household = registry.household_create(
        village=village,
        by=officer,
        head=dict(HEAD, national_id=""),
        lane=world.lane,
        house_number="77",
    )
    officer.delete()
    household.refresh_from_db()
    assert household.created_by is None
    assert household.residents.count() == 1


def test_renaming_a_lane_updates_the_search(world) -> None:
    registry.lane_rename(lane=world.lane, by=None, name="Ngõ Đình")
    world.household.refresh_from_db()
    assert " ngo dinh" in world.household.search_document


@pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers exist on PostgreSQL only")
def test_history_catches_bulk_updates_that_bypass_the_services(world) -> None:
    from households.history import change_context

    with change_context(source="command", user=None):
        Household.objects.filter(pk=world.household.pk).update(notes="cập nhật hàng loạt")
    events = world.household.events.filter(pgh_label="update")
    assert events.filter(notes="cập nhật hàng loạt").exists()
    LaneFactory(village=world.village, name="Ngõ Mới")
    assert world.village.lanes.get(name="Ngõ Mới").events.filter(pgh_label="insert").exists()


def test_reactivating_a_household_without_a_head_is_refused(world) -> None:
    household = HouseholdFactory(
        village=world.village, lane=world.lane, house_number="62", status="dissolved"
    )
    with pytest.raises(ValidationError) as caught:
        registry.household_set_status(household=household, by=None, status="active")
    assert "status" in caught.value.message_dict
