import json

import pytest
from django.test import Client

from accounts.roles import Role
from households.models import Household, Resident
from tests.factories import membership

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("enforce_head_check")]


def _api(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, url: str, data: dict) -> object:
    return client.post(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def head_with_id(world):
    head = world.household.residents.get(is_head=True)
    head.national_id = "042090001234"
    head.phone = "+84912345678"
    head.save()
    return head


def test_fields_follow_the_role(
    officer, digital_team, security_officer, commune_official, head_with_id
) -> None:
    url = f"/api/v1/residents/{head_with_id.pk}/"
    full = _api(officer).get(url).json()
    assert full["national_id"] == "042090001234" and full["phone"] == "+84912345678"
    team = _api(digital_team).get(url).json()
    assert "national_id" not in team and "phone" not in team and "birth_date" not in team
    assert team["full_name"] == head_with_id.full_name
    security = _api(security_officer).get(url).json()
    assert security["phone"] == "+84912345678" and "national_id" not in security
    commune = _api(commune_official).get(url).json()
    assert "full_name" not in commune and "national_id" not in commune
    listed = _api(digital_team).get("/api/v1/residents/").json()["results"]
    assert all("national_id" not in row for row in listed)


def test_list_search_ignores_diacritics(officer, world, village) -> None:
    from households.services import households_reindex

    households_reindex([world.household.pk])
    body = (
        _api(officer)
        .get("/api/v1/households/", {"village": str(village.pk), "q": "nguyen van an"})
        .json()
    )
    assert [row["id"] for row in body["results"]] == [world.household.pk]
    assert body["results"][0]["head"] == {"full_name": "Nguyễn Văn An"}


def test_create_household_with_head_and_operations(officer, village, world) -> None:
    client = _api(officer)
    response = _post(
        client,
        "/api/v1/households/",
        {
            "village": str(village.pk),
            "lane": world.lane.pk,
            "house_number": "30",
            "head": {
                "full_name": "Đinh Văn Tâm",
                "gender": "male",
                "national_id": "042080007777",
                "phone": "0912 222 333",
            },
        },
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["head"] == {"full_name": "Đinh Văn Tâm"}
    household = Household.objects.get(pk=created["id"])
    response = _post(
        client,
        "/api/v1/residents/",
        {
            "household": household.pk,
            "full_name": "Đinh Thị Na",
            "gender": "female",
            "relationship": "child",
        },
    )
    assert response.status_code == 201, response.content
    child = Resident.objects.get(full_name="Đinh Thị Na")
    response = _post(
        client, f"/api/v1/households/{household.pk}/change-head/", {"new_head": child.pk}
    )
    assert response.status_code == 200
    assert response.json()["head"] == {"full_name": "Đinh Thị Na"}
    response = _post(client, f"/api/v1/households/{household.pk}/consent/", {"consent": True})
    assert response.json()["head_name_public"] is True


@pytest.mark.parametrize(
    "payload",
    [
        {
            "house_number": "31",
            "head": {"full_name": "A", "gender": "male", "national_id": "12345678901"},
        },
        {"house_number": "5A", "head": {"full_name": "A", "gender": "male"}},
        {"house_number": "32", "latitude": "95", "head": {"full_name": "A", "gender": "male"}},
        {"house_number": "", "head": {"full_name": "A", "gender": "male"}},
        {"house_number": "33", "head": {"full_name": "A", "gender": "robot"}},
    ],
)
def test_bad_input_is_a_400_and_writes_nothing(officer, village, world, payload) -> None:
    before = Household.objects.count(), Resident.objects.count()
    response = _post(
        _api(officer),
        "/api/v1/households/",
        {"village": str(village.pk), "lane": world.lane.pk, **payload},
    )
    assert response.status_code == 400, response.content
    assert (Household.objects.count(), Resident.objects.count()) == before


def test_writing_into_another_village_is_404(officer, other_village) -> None:
    lane = other_village.lanes.get()
    response = _post(
        _api(officer),
        "/api/v1/households/",
        {
            "village": str(other_village.pk),
            "lane": lane.pk,
            "house_number": "1",
            "head": {"full_name": "A", "gender": "male"},
        },
    )
    assert response.status_code == 404


def test_a_read_only_role_gets_403_on_writes(digital_team, village, world) -> None:
    response = _post(
        _api(digital_team),
        "/api/v1/households/",
        {
            "village": str(village.pk),
            "lane": world.lane.pk,
            "house_number": "1",
            "head": {"full_name": "A", "gender": "male"},
        },
    )
    assert response.status_code == 403
    response = _api(digital_team).patch(
        f"/api/v1/households/{world.household.pk}/",
        json.dumps({"notes": "x"}),
        content_type="application/json",
    )
    assert response.status_code == 403


def test_api_writes_are_attributed_in_the_history(officer, world) -> None:
    from tests.factories import api_token

    client = Client(HTTP_AUTHORIZATION=f"Token {api_token(officer)}")
    response = client.patch(
        f"/api/v1/households/{world.household.pk}/",
        json.dumps({"notes": "Ghi chú mới"}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    event = world.household.events.filter(notes="Ghi chú mới").select_related("pgh_context").get()
    assert event.pgh_context.metadata["user"] == officer.pk
    assert event.pgh_context.metadata["source"] == "api"


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_list_filters_apply_without_a_village(officer, world) -> None:
    from households.services import households_reindex

    households_reindex([world.household.pk])
    client = _api(officer)
    assert _ids(client.get("/api/v1/households/", {"q": "zzzzqq"})) == []
    assert _ids(client.get("/api/v1/households/", {"q": "nguyen van an"})) == [world.household.pk]
    assert _ids(client.get("/api/v1/households/", {"lane": world.lane.pk})) == [world.household.pk]
    assert _ids(client.get("/api/v1/households/", {"missing": "location", "business": "1"})) == []
    other_lane = world.other_village.lanes.get()
    assert _ids(client.get("/api/v1/households/", {"lane": other_lane.pk})) == []


def test_a_search_over_all_villages_follows_the_role_in_each(officer, world) -> None:
    """Names are searched only where the caller's role there may see names."""
    from households.services import households_reindex

    membership(officer, Role.COMMUNE_OFFICIAL, world.other_village)
    households_reindex(Household.objects.values_list("pk", flat=True))
    client = _api(officer)
    assert _ids(client.get("/api/v1/households/", {"q": "ho van khac"})) == []
    assert _ids(client.get("/api/v1/households/", {"q": "nguyen van an"})) == [world.household.pk]
    everything = _ids(client.get("/api/v1/households/"))
    assert len(everything) == 2


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"village": "not-a-uuid"}, "village", "Mã thôn không hợp lệ."),
        ({"status": "bogus"}, "status", "không phải là một lựa chọn hợp lệ"),
        ({"lane": "abc"}, "lane", "Cần một số nguyên hợp lệ."),
        ({"missing": "everything"}, "missing", "không phải là một lựa chọn hợp lệ"),
    ],
)
def test_a_filter_that_cannot_be_applied_is_a_400_in_vietnamese(
    officer, world, params, field, message
) -> None:
    response = _api(officer).get("/api/v1/households/", params)
    assert response.status_code == 400, response.content
    assert message in response.json()[field][0]


def test_action_input_is_validated_with_vietnamese_messages(officer, world) -> None:
    client = _api(officer)
    url = f"/api/v1/households/{world.household.pk}"
    stranger = Resident.objects.exclude(household=world.household).first()
    cases = [
        ("change-head", {"new_head": stranger.pk}, "new_head", "hiện không phải thành viên"),
        ("status", {"status": "inactive", "on": "hôm qua"}, "on", "NNNN-TT-NN"),
        ("consent", {"consent": "maybe"}, "consent", "true"),
        ("merge", {"target": "x"}, "target", "Không tìm thấy hộ gia đình."),
        ("split", {"members": 3, "new_head": 1, "house_number": "9"}, "members", "danh sách"),
    ]
    for path, payload, field, message in cases:
        response = _post(client, f"{url}/{path}/", payload)
        assert response.status_code == 400, (path, response.content)
        assert message in str(response.json()[field]), (path, response.json())
    world.household.refresh_from_db()
    assert world.household.status == Household.Status.ACTIVE
