import pytest
from django.test import Client
from django.urls import reverse

from households.models import Household, RecordAccess, Resident
from tests.factories import HouseholdFactory, LaneFactory, ResidentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("enforce_head_check")]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _list(user, **params) -> str:
    response = _client(user).get(reverse("household_list"), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def registry_world(world):
    world.household.residents.filter(is_head=True).update(
        national_id="042090001234", phone="+84912345678"
    )
    lane3 = LaneFactory(village=world.village, name="Ngõ 3")
    other = HouseholdFactory(
        village=world.village, lane=lane3, house_number="12", digital_address="HT18673000042"
    )
    ResidentFactory(household=other, full_name="Phạm Thị Lành", is_head=True)
    from households.services import households_reindex

    households_reindex(Household.objects.values_list("pk", flat=True))
    return world


@pytest.mark.parametrize(
    ("query", "finds", "misses"),
    [
        ("nguyen van an", "5A", "12"),
        ("NGUYỄN văn AN", "5A", "12"),
        ("ngo 3", "12", "5A"),
        ("ht18673000042", "12", "5A"),
        ("lanh", "12", "5A"),
    ],
)
def test_search_ignores_case_and_diacritics(officer, registry_world, query, finds, misses) -> None:
    page = _list(officer, q=query)
    assert f">{finds}</a>" in page
    assert f">{misses}</a>" not in page


def test_search_by_id_number_only_for_roles_that_see_them(
    officer, digital_team, registry_world
) -> None:
    assert ">5A</a>" in _list(officer, q="042090001234")
    assert ">5A</a>" not in _list(digital_team, q="042090001234")


def test_filters(officer, registry_world) -> None:
    assert ">12</a>" not in _list(officer, missing="address")
    assert ">5A</a>" in _list(officer, missing="address")
    assert ">5A</a>" not in _list(officer, business="1")
    lane = registry_world.village.lanes.get(name="Ngõ 3")
    page = _list(officer, lane=lane.pk)
    assert ">12</a>" in page and ">5A</a>" not in page
    # Nonsense filter values are ignored, not errors.
    assert (
        _client(officer).get(reverse("household_list"), {"lane": "x", "page": "zz"}).status_code
        == 200
    )


def test_queries_per_page_do_not_grow_with_the_page_or_the_registry(
    officer, village, world, django_assert_max_num_queries
) -> None:
    client = _client(officer)
    for n in range(60):
        household = HouseholdFactory(village=village, lane=world.lane, house_number=str(100 + n))
        ResidentFactory(household=household, is_head=True)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("household_list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("household_list"), {"page": 2}).status_code == 200


def test_the_commune_official_sees_households_but_no_names_in_the_list(
    commune_official, registry_world
) -> None:
    page = _list(commune_official)
    assert ">5A</a>" in page
    assert "Nguyễn Văn An" not in page


def _detail(user, household) -> str:
    response = _client(user).get(reverse("household_detail", args=[household.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_each_role_sees_only_its_fields_on_the_household_page(
    village_head, officer, digital_team, security_officer, registry_world
) -> None:
    household = registry_world.household
    for user in (village_head, officer):
        page = _detail(user, household)
        assert "042090001234" in page and "+84912345678" in page and "Nguyễn Văn An" in page
    page = _detail(digital_team, household)
    assert "Nguyễn Văn An" in page
    assert "042090001234" not in page and "+84912345678" not in page
    page = _detail(security_officer, household)
    assert "+84912345678" in page and "042090001234" not in page


def test_a_commune_official_opens_a_record_explicitly_and_it_is_logged(
    commune_official, village_head, registry_world
) -> None:
    household = registry_world.household
    client = _client(commune_official)
    page = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    assert "Nguyễn Văn An" not in page and "042090001234" not in page
    # The history does not leak names or ID numbers either.
    assert "Trần Thị Bình" not in page
    response = client.post(reverse("household_open", args=[household.pk]), {"reason": ""})
    assert not RecordAccess.objects.exists()
    client.post(reverse("household_open", args=[household.pk]), {"reason": "Xác minh hồ sơ"})
    access = RecordAccess.objects.get()
    assert access.user == commune_official and access.reason == "Xác minh hồ sơ"
    page = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    assert "Nguyễn Văn An" in page and "042090001234" in page
    # The village head sees who opened it.
    assert "Xác minh hồ sơ" in _detail(village_head, household)
    assert response.status_code == 302


def test_creating_a_household_through_the_form(officer, world) -> None:
    client = _client(officer)
    response = client.post(
        reverse("household_create"),
        {
            "lane": world.lane.pk,
            "house_number": "21",
            "digital_address": "",
            "head-full_name": "Đỗ Thị Hạnh",
            "head-gender": "female",
            "head-national_id": "042190005555",
            "head-phone": "0987 111 222",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    household = Household.objects.get(house_number="21")
    head = household.residents.get()
    assert head.phone == "+84987111222" and head.is_head
    page = client.get(response.headers["Location"]).content.decode()
    # The page shows the change in the history, with who made it.
    assert officer.full_name in page and "Đỗ Thị Hạnh" in page


def test_a_bad_form_shows_vietnamese_messages_and_writes_nothing(officer, world) -> None:
    before = Household.objects.count(), Resident.objects.count()
    response = _client(officer).post(
        reverse("household_create"),
        {
            "lane": world.lane.pk,
            "house_number": "5A",  # taken in this lane
            "head-full_name": "Đỗ Thị Hạnh",
            "head-gender": "female",
            "head-national_id": "04219000555",  # 11 digits
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "12 chữ số" in page
    assert (Household.objects.count(), Resident.objects.count()) == before


def test_editing_records_before_and_after_in_the_history(officer, world) -> None:
    client = _client(officer)
    response = client.post(
        reverse("household_edit", args=[world.household.pk]),
        {
            "lane": world.lane.pk,
            "house_number": "5A",
            "digital_address": "HT0001112223",
            "notes": "Có giếng nước",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    page = client.get(reverse("household_detail", args=[world.household.pk])).content.decode()
    assert "HT0001112223" in page
    assert "<ins>HT0001112223</ins>" in page


def test_an_operation_in_one_step_change_head(officer, world) -> None:
    member = world.household.residents.get(is_head=False)
    response = _client(officer).post(
        reverse("household_change_head", args=[world.household.pk]), {"new_head": member.pk}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_head


def test_a_member_of_another_household_cannot_be_chosen(officer, world, village) -> None:
    other = HouseholdFactory(village=village, lane=world.lane, house_number="40")
    ResidentFactory(household=other, is_head=True)
    stranger = ResidentFactory(household=other)
    response = _client(officer).post(
        reverse("household_change_head", args=[world.household.pk]), {"new_head": stranger.pk}
    )
    assert response.status_code == 400
    stranger.refresh_from_db()
    assert not stranger.is_head


def test_a_name_search_finds_people_not_words_spread_over_a_household(officer, world) -> None:
    from households.services import households_reindex

    spread = HouseholdFactory(village=world.village, lane=world.lane, house_number="7")
    ResidentFactory(household=spread, full_name="Nguyễn Văn Thị", is_head=True)
    ResidentFactory(household=spread, full_name="Lê Phương", relationship="child")
    exact = HouseholdFactory(village=world.village, lane=world.lane, house_number="9")
    ResidentFactory(household=exact, full_name="Trần Văn Hải", is_head=True)
    ResidentFactory(household=exact, full_name="Nguyễn Thị Phương", relationship="child")
    longer = HouseholdFactory(village=world.village, lane=world.lane, house_number="8")
    ResidentFactory(household=longer, full_name="Nguyễn Thị Phương Anh", is_head=True)
    households_reindex(Household.objects.values_list("pk", flat=True))

    page = _list(officer, q="nguyen thi phuong")
    assert ">7</a>" not in page  # "Thị" and "Phương" are two different people there
    assert ">9</a>" in page and ">8</a>" in page
    # The exact name first, and the row says who matched.
    assert page.index(">9</a>") < page.index(">8</a>")
    assert "khớp: Nguyễn Thị Phương (" in page
    # An address still matches across its parts: house number and lane.
    assert ">7</a>" in _list(officer, q="7 ngo van hoa")


def test_the_row_names_no_one_for_roles_that_do_not_see_names(digital_team, world) -> None:
    page = _list(digital_team, q="Bình")
    assert "khớp:" not in page and "Trần Thị Bình" not in page
