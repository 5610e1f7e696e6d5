""" "Not yours" and "does not exist" answer the same: 404, for every role of another village.

Routes that name an object fetch it first (404 unless it belongs to one of the caller's
villages) and only then check the caller's role there (403), so a staff member of another
village without the role learns nothing from the answer.
"""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from tests.factories import HouseholdFactory, InvitationFactory, UserFactory, membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def far_digital_team(other_village: Any) -> Any:
    """Staff of another village, without the roles that manage imports or invitations."""
    user = UserFactory(full_name="Bùi Văn Xa")
    membership(user, Role.DIGITAL_TEAM, other_village)
    return user


def _household_job(village: Any) -> Any:
    from households.models import ImportJob

    return ImportJob.objects.create(village=village, original_name="ho-gia-dinh.csv").pk


def _camera_job(village: Any) -> Any:
    from cameras.models import ImportJob

    return ImportJob.objects.create(village=village, original_name="camera.csv").pk


ROUTES = [
    ("household_import_job", "GET", _household_job, "00000000-0000-4000-8000-000000000000"),
    ("household_import_confirm", "POST", _household_job, "00000000-0000-4000-8000-000000000000"),
    ("household_import_cancel", "POST", _household_job, "00000000-0000-4000-8000-000000000000"),
    ("camera_import_job", "GET", _camera_job, 987654),
    ("camera_import_confirm", "POST", _camera_job, 987654),
    ("camera_import_cancel", "POST", _camera_job, 987654),
    ("invitation_revoke", "POST", lambda v: InvitationFactory(village=v).pk, 987654),
]


@pytest.mark.parametrize(("name", "method", "make", "missing"), ROUTES, ids=[r[0] for r in ROUTES])
def test_another_villages_object_answers_like_a_missing_one(
    name: str, method: str, make: Any, missing: Any, far_digital_team: Any, village: Any
) -> None:
    client = Client()
    client.force_login(far_digital_team)
    theirs = reverse(name, kwargs={"pk": make(village)})
    nowhere = reverse(name, kwargs={"pk": missing})
    send = client.post if method == "POST" else client.get
    assert send(theirs).status_code == 404
    assert send(nowhere).status_code == 404


@pytest.mark.parametrize(("name", "method", "make", "missing"), ROUTES, ids=[r[0] for r in ROUTES])
def test_an_insider_without_the_role_is_still_refused_with_403(
    name: str, method: str, make: Any, missing: Any, digital_team: Any, village: Any
) -> None:
    client = Client()
    client.force_login(digital_team)
    url = reverse(name, kwargs={"pk": make(village)})
    response = client.post(url) if method == "POST" else client.get(url)
    assert response.status_code == 403


def test_the_import_job_of_a_village_where_one_edits_opens_from_any_current_village(
    village: Any, other_village: Any
) -> None:
    """The role that counts is the one held in the job's village, not the village on screen."""
    user = UserFactory()
    membership(user, Role.VILLAGE_OFFICER, village)
    membership(user, Role.SECURITY_OFFICER, other_village)
    client = Client()
    client.force_login(user)
    client.post(reverse("village_switch"), {"village": str(other_village.pk)})
    url = reverse("household_import_job", kwargs={"pk": _household_job(village)})
    assert client.get(url).status_code == 200


def _payment_code(api: APIClient, village: Any, household: Any) -> Any:
    return api.post(
        reverse("payments_code-list"),
        {
            "village": str(village),
            "household": household,
            "shop_name": "Tạp hóa Bình An",
            "bank_bin": "970407",
            "account_number": "19036512345018",
        },
        format="json",
    )


def test_the_payment_code_api_answers_alike_for_a_foreign_and_a_missing_household(
    village_head: Any, village: Any, other_village: Any
) -> None:
    api = APIClient()
    api.force_authenticate(village_head)
    foreign = HouseholdFactory(village=other_village, lane__village=other_village)
    foreign.is_business = True
    foreign.save()
    theirs = _payment_code(api, village.pk, foreign.pk)
    nowhere = _payment_code(api, village.pk, 98765432)
    assert theirs.status_code == nowhere.status_code == 404
    assert theirs.json() == nowhere.json()


def test_the_payment_code_api_answers_alike_for_a_foreign_and_a_missing_village(
    village_head: Any, village: Any, other_village: Any
) -> None:
    api = APIClient()
    api.force_authenticate(village_head)
    theirs = _payment_code(api, other_village.pk, None)
    nowhere = _payment_code(api, "00000000-0000-4000-8000-000000000000", None)
    assert theirs.status_code == nowhere.status_code == 404
    assert theirs.json() == nowhere.json()
