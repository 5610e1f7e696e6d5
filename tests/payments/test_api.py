"""The adoption API: scoped, documented, the same rules as the pages."""

import uuid
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from payments.models import Observation, PaymentCode, Visit

pytestmark = pytest.mark.django_db


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_visit_posted_twice_is_recorded_once(digital_team: Any, family: dict) -> None:
    api = _api(digital_team)
    body = {
        "household": family["household"].pk,
        "visited_on": timezone.localdate().isoformat(),
        "method": "seen",
        "submission_token": str(uuid.uuid4()),
        "helped_with": ["epayment"],
        "entries": [
            {"resident": family["head"].pk, "item": "epayment", "value": "yes"},
            {"item": "fibre", "value": "no", "reason": "cost"},
        ],
    }
    first = api.post(reverse("payments_visit-list"), body, format="json")
    second = api.post(reverse("payments_visit-list"), body, format="json")
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert Visit.objects.count() == 1 and Observation.objects.count() == 2
    listed = api.get(reverse("payments_observation-list"), {"item": "fibre"}).json()
    assert [row["reason"] for row in listed["results"]] == ["cost"]


@pytest.mark.parametrize(
    "change",
    [
        {"visited_on": "2999-01-01"},
        {"entries": [{"resident": 999999, "item": "smartphone", "value": "yes"}]},
        {"entries": [{"item": "fibre", "value": "maybe"}]},
        {"submission_token": "abc"},
    ],
)
def test_bad_visits_get_400_and_change_nothing(
    digital_team: Any, family: dict, change: dict
) -> None:
    body = {
        "household": family["household"].pk,
        "visited_on": timezone.localdate().isoformat(),
        "method": "seen",
        "submission_token": str(uuid.uuid4()),
        "entries": [{"item": "fibre", "value": "yes"}],
        **change,
    }
    response = _api(digital_team).post(reverse("payments_visit-list"), body, format="json")
    assert response.status_code == 400
    assert not Visit.objects.exists() and not Observation.objects.exists()


def test_a_child_vneid_level_through_the_api_is_refused(digital_team: Any, family: dict) -> None:
    response = _api(digital_team).post(
        reverse("payments_observation-list"),
        {
            "household": family["household"].pk,
            "resident": family["child"].pk,
            "item": "vneid",
            "value": "level1",
            "observed_on": timezone.localdate().isoformat(),
            "method": "told",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "14" in str(response.json())


def test_another_villages_household_is_404(outsider: Any, family: dict) -> None:
    response = _api(outsider).post(
        reverse("payments_observation-list"),
        {
            "household": family["household"].pk,
            "item": "fibre",
            "value": "yes",
            "observed_on": timezone.localdate().isoformat(),
            "method": "told",
        },
        format="json",
    )
    assert response.status_code == 404
    assert not Observation.objects.exists()


def test_figures_give_numerator_and_denominator(commune_official: Any, family: dict) -> None:
    api = _api(commune_official)
    rows = api.get(reverse("payments_figure-list")).json()
    vneid = next(r for r in rows if r["code"] == "vneid_level2_14plus")
    assert (vneid["adopted"], vneid["total"]) == (0, 3)
    assert api.get(reverse("payments_figure-list"), {"as_of": "2999-01-01"}).status_code == 400
    other = family["household"].village.pk
    assert api.get(reverse("payments_figure-list"), {"village": other}).status_code == 200


def test_payment_codes_and_payload(village_head: Any, world: Any, shop: Any) -> None:
    api = _api(village_head)
    response = api.post(
        reverse("payments_code-list"),
        {
            "village": str(world.village.pk),
            "household": shop.pk,
            "shop_name": "Tạp hóa Bình An",
            "bank_bin": "970407",
            "account_number": "19036512345018",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    payload = api.get(reverse("payments_code-payload", args=[pk]), {"amount": "50000"}).json()
    assert "970407" in payload["payload"] and "540550000" in payload["payload"]
    bad = api.get(reverse("payments_code-payload", args=[pk]), {"amount": "-1"})
    assert bad.status_code == 400
    refused = api.post(
        reverse("payments_code-list"),
        {
            "village": str(world.village.pk),
            "shop_name": "Quỹ thôn",
            "bank_bin": "970407",
            "account_number": "19O36512345",
        },
        format="json",
    )
    assert refused.status_code == 400 and PaymentCode.objects.count() == 1
    banks = api.get(reverse("payments_bank-list")).json()
    assert {"bin": "970436", "code": "VCB"}.items() <= banks[0].items()


def test_the_schema_documents_the_adoption_endpoints(client: Any) -> None:
    schema = client.get(reverse("api_schema")).content.decode()
    for path in ("/api/v1/adoption/visits/", "/api/v1/adoption/figures/", "/payload/"):
        assert path in schema


def test_figures_for_a_user_without_villages_are_empty_not_an_error(db) -> None:
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    client = APIClient()
    client.force_authenticate(UserFactory(full_name="Không Thuộc Thôn Nào"))
    response = client.get("/api/v1/adoption/figures/")
    assert response.status_code == 200
    assert response.json() in ([], {"results": []}) or not response.json().get("results")
