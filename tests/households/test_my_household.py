import pytest
from django.test import Client
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("enforce_head_check")]


@pytest.fixture
def linked(resident, world):
    head = world.household.residents.get(is_head=True)
    head.account = resident
    head.national_id = "042090001111"
    head.save()
    member = world.household.residents.get(is_head=False)
    member.national_id = "042190002222"
    member.save()
    return head


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_resident_sees_their_household_and_only_their_own_id(resident, linked) -> None:
    page = _client(resident).get(reverse("my_household")).content.decode()
    assert "Nguyễn Văn An" in page and "Trần Thị Bình" in page
    assert "042090001111" in page
    assert "042190002222" not in page


def test_without_a_linked_record_the_page_is_404(officer) -> None:
    assert _client(officer).get(reverse("my_household")).status_code == 404


def test_the_head_records_consent_for_the_lane_page(resident, linked, world) -> None:
    response = _client(resident).post(reverse("my_household_consent"), {"consent": "1"})
    assert response.status_code == 302
    world.household.refresh_from_db()
    assert world.household.head_name_public
    assert world.household.consent_recorded_by == resident


def test_a_member_who_is_not_the_head_cannot_decide(resident, linked, world) -> None:
    linked.account = None
    linked.save()
    member = world.household.residents.get(is_head=False)
    member.account = resident
    member.save()
    response = _client(resident).post(reverse("my_household_consent"), {"consent": "1"})
    assert response.status_code == 403
    world.household.refresh_from_db()
    assert not world.household.head_name_public
