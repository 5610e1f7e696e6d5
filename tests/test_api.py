import pytest
from django.test import Client

from tests.factories import api_token

pytestmark = pytest.mark.django_db


def test_anonymous_callers_are_refused(db) -> None:
    response = Client().get("/api/v1/")
    assert response.status_code == 401


def test_token_authentication_lists_only_the_callers_villages(officer, village, world) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Token {api_token(officer)}")
    response = client.get("/api/v1/villages/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [str(village.pk)]
    assert rows[0]["household_count"] == 1
    assert rows[0]["resident_count"] == 2
    assert rows[0]["commune"]["province"]["code"] == village.commune.province.code


def test_another_villages_objects_are_404(officer, world) -> None:
    client = Client()
    client.force_login(officer)
    other_lane = world.other_village.lanes.get()
    assert client.get(f"/api/v1/villages/{world.other_village.pk}/").status_code == 404
    assert client.get(f"/api/v1/lanes/{other_lane.pk}/").status_code == 404
    assert client.get("/api/v1/villages/not-a-uuid/").status_code == 404
    lanes = client.get(f"/api/v1/lanes/?village={world.other_village.pk}").json()
    assert lanes["count"] == 0


def test_a_bad_filter_value_is_a_clear_400(officer) -> None:
    client = Client()
    client.force_login(officer)
    response = client.get("/api/v1/lanes/?village=abc")
    assert response.status_code == 400
    assert "village" in response.json()


def test_me_lists_the_memberships(village_head, village) -> None:
    client = Client()
    client.force_login(village_head)
    body = client.get("/api/v1/me/").json()
    assert body["full_name"] == village_head.full_name
    assert body["memberships"][0]["role"] == "village_head"
    assert body["memberships"][0]["village"] == str(village.pk)


def test_the_schema_and_docs_are_served_with_local_assets_only(db) -> None:
    client = Client()
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/villages/" in paths and "/api/v1/me/" in paths
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs
    assert "cdn." not in docs and "unpkg" not in docs and "jsdelivr" not in docs
