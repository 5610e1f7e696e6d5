"""The one scoping rule: who sees which village, through every path that reads village data."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.access import access_village, roles_in_village
from accounts.roles import ALL_ROLES, Role
from households.models import Household, Lane, Resident, Village
from tests.factories import VillageFactory, membership

pytestmark = pytest.mark.django_db


def test_a_village_role_sees_its_village_only(officer, village, other_village) -> None:
    assert list(Village.objects.visible_to(officer)) == [village]
    assert set(Household.objects.visible_to(officer)) == set(village.households.all())
    assert not Resident.objects.visible_to(officer).filter(household__village=other_village)


def test_a_commune_role_sees_every_village_of_its_commune(commune_official, village) -> None:
    sibling = VillageFactory(commune=village.commune, name="Thôn Bên Cạnh")
    elsewhere = VillageFactory(name="Thôn Xã Khác")
    visible = set(Village.objects.visible_to(commune_official))
    assert visible == {village, sibling}
    assert elsewhere not in visible
    assert roles_in_village(user=commune_official, village=sibling) == {Role.COMMUNE_OFFICIAL}


def test_a_resident_is_not_staff_anywhere(resident, village) -> None:
    assert not Village.objects.visible_to(resident).exists()
    assert list(Village.objects.visible_to(resident, ALL_ROLES)) == [village]
    assert not Lane.objects.visible_to(resident).exists()


def test_anonymous_and_inactive_users_see_nothing(officer) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not Village.objects.visible_to(AnonymousUser()).exists()
    officer.is_active = False
    officer.save()
    assert not Village.objects.visible_to(officer).exists()


def test_several_memberships_add_up(officer, village, other_village) -> None:
    membership(officer, Role.SECURITY_OFFICER, other_village)
    assert set(Village.objects.visible_to(officer)) == {village, other_village}
    assert roles_in_village(user=officer, village=village) == {Role.VILLAGE_OFFICER}
    assert roles_in_village(user=officer, village=other_village) == {Role.SECURITY_OFFICER}


def test_another_villages_object_is_404_not_403(officer, other_village) -> None:
    from django.http import Http404

    with pytest.raises(Http404):
        access_village(user=officer, village_id=other_village.pk)
    with pytest.raises(Http404):
        access_village(user=officer, village_id="not-a-uuid")


def test_switching_village_works_between_own_villages_only(officer, village, other_village) -> None:
    third = VillageFactory(name="Thôn Thứ Ba")
    membership(officer, Role.DIGITAL_TEAM, other_village)
    client = Client()
    client.force_login(officer)
    response = client.post(reverse("village_switch"), {"village": str(other_village.pk)})
    assert response.status_code == 302
    page = client.get(reverse("dashboard")).content.decode()
    assert other_village.name in page
    assert client.post(reverse("village_switch"), {"village": str(third.pk)}).status_code == 404
    assert client.post(reverse("village_switch"), {"village": "rác"}).status_code == 404
    # An open redirect through "next" is refused.
    response = client.post(
        reverse("village_switch"), {"village": str(village.pk), "next": "https://evil.example/"}
    )
    assert response.headers["Location"] == reverse("dashboard")


def test_a_withdrawn_membership_takes_effect_at_once(officer, village) -> None:
    client = Client()
    client.force_login(officer)
    assert client.get(reverse("dashboard")).status_code == 200
    officer.memberships.all().delete()
    assert client.get(reverse("dashboard")).status_code == 403
