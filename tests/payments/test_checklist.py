"""The door-to-door pages: finding a household, the checklist, one-tap save, work lists."""

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from payments.models import Observation, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(client: Client, digital_team: Any) -> Client:
    client.force_login(digital_team)
    return client


def _token(html: str) -> str:
    return re.search(r'name="token" value="([0-9a-f-]{36})"', html).group(1)


def test_pasting_a_door_plate_link_opens_the_household(team: Client, family: dict) -> None:
    household = family["household"]
    for text in (
        household.public_code,
        f"https://thon.example.vn/h/{household.public_code}/",
        f"https://thon.example.vn/q/zzzz?x={household.public_code}",
    ):
        response = team.get(reverse("payments_home"), {"q": text})
        assert response.status_code == 302, text
        assert response["Location"] == reverse("payments_checklist", args=[household.pk])


def test_a_code_of_another_village_opens_nothing(team: Client, world: Any) -> None:
    other = world.other_village.households.first()
    response = team.get(reverse("payments_home"), {"q": other.public_code})
    assert response.status_code == 200
    assert "Không tìm thấy hộ nào." in response.content.decode()


def test_search_by_name_lists_households(team: Client, family: dict) -> None:
    from households.services import households_reindex

    households_reindex([family["household"].pk])
    response = team.get(reverse("payments_home"), {"q": "nguyen van an"})
    assert reverse("payments_checklist", args=[family["household"].pk]) in response.content.decode()


def test_the_lane_list_shows_households(team: Client, family: dict, world: Any) -> None:
    response = team.get(reverse("payments_lane", args=[world.lane.pk]))
    assert reverse("payments_checklist", args=[family["household"].pk]) in response.content.decode()


def test_the_checklist_hides_vneid_for_children_and_is_small(team: Client, family: dict) -> None:
    household = family["household"]
    response = team.get(reverse("payments_checklist", args=[household.pk]))
    html = response.content.decode()
    assert f'name="r{family["head"].pk}-vneid"' in html
    assert f'name="r{family["child"].pk}-vneid"' not in html
    # One small static script (the reasons shown only where needed), nothing inline.
    assert re.findall(r"<script[^>]*>", html) == [
        '<script src="/static/payments/checklist.js" defer>'
    ]
    assert len(response.content) < 60_000
    assert "birth" not in html.lower()


def test_saving_a_visit_records_values_once_even_on_double_tap(
    team: Client, family: dict, digital_team: Any
) -> None:
    household = family["household"]
    head = family["head"]
    page = team.get(reverse("payments_checklist", args=[household.pk])).content.decode()
    data = {
        "token": _token(page),
        "observed_on": timezone.localdate().isoformat(),
        "method": "seen",
        f"r{head.pk}-vneid": "level2",
        f"r{head.pk}-epayment": "no",
        f"r{head.pk}-epayment-reason": "no_bank_account",
        "h-fibre": "yes",
        "helped_with": ["vneid"],
        "note": "Cài VNeID cho chủ hộ",
    }
    url = reverse("payments_checklist_save", args=[household.pk])
    first = team.post(url, data)
    second = team.post(url, data)
    assert first.status_code == second.status_code == 302
    assert Visit.objects.count() == 1
    visit = Visit.objects.get()
    assert visit.visited_by == digital_team and visit.helped_with == ["vneid"]
    rows = {(o.resident_id, o.item): o for o in Observation.objects.all()}
    assert len(rows) == 3
    assert rows[(head.pk, "epayment")].reason == "no_bank_account"
    assert rows[(None, "fibre")].visit == visit
    log = team.get(reverse("payments_visits")).content.decode()
    assert "Cài VNeID cho chủ hộ" in log


@pytest.mark.parametrize(
    "change",
    [
        {"observed_on": "2999-01-01"},
        {"observed_on": "hôm qua"},
        {"token": "not-a-token"},
        {"h-cashless": "yes"},
        {"r999999-vneid": "level2"},
        {"method": "guessed"},
    ],
)
def test_bad_submissions_are_refused_with_a_message(
    team: Client, family: dict, change: dict
) -> None:
    household = family["household"]
    data = {
        "token": "9b0d6f8a-0000-4000-8000-000000000001",
        "observed_on": timezone.localdate().isoformat(),
        "method": "seen",
        "h-fibre": "yes",
        **change,
    }
    response = team.post(reverse("payments_checklist_save", args=[household.pk]), data)
    assert response.status_code == 400
    assert 'data-testid="errors"' in response.content.decode()
    assert not Observation.objects.exists() and not Visit.objects.exists()


def test_a_resident_of_another_village_in_the_form_is_refused(
    team: Client, family: dict, world: Any
) -> None:
    stranger = world.other_village.households.first().residents.first()
    response = team.post(
        reverse("payments_checklist_save", args=[family["household"].pk]),
        {
            "token": "9b0d6f8a-0000-4000-8000-000000000002",
            "observed_on": timezone.localdate().isoformat(),
            "method": "seen",
            f"r{stranger.pk}-smartphone": "yes",
        },
    )
    assert response.status_code == 400
    assert not Observation.objects.exists()


def test_the_save_route_refuses_get(team: Client, family: dict) -> None:
    response = team.get(reverse("payments_checklist_save", args=[family["household"].pk]))
    assert response.status_code == 405


def test_work_list_groups_by_lane_and_prints(team: Client, family: dict) -> None:
    response = team.get(reverse("payments_work_list", args=["vneid_level2_14plus"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "payments/payments.css" in html  # the print layout lives in the stylesheet
    assert "@media print" in _static("payments/payments.css")
    assert html.count('data-testid="work-lane"') == 1
    # head, elder, youth: the 10-year-old is not on the VNeID list.
    assert "Nguyễn Văn Cường" not in html
    assert "Nguyễn Thị Dung" in html


def test_work_list_of_an_unknown_figure_is_404(team: Client, family: dict) -> None:
    assert team.get(reverse("payments_work_list", args=["nothing"])).status_code == 404


def test_figures_page_shows_denominators_and_links_to_lists(
    client: Client, commune_official: Any, family: dict
) -> None:
    client.force_login(commune_official)
    response = client.get(reverse("payments_figures"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html and "<polyline" in html
    url = reverse("payments_figure_list", args=["vneid_level2_14plus"])
    assert url in html
    listing = client.get(url, {"show": "missing"}).content.decode()
    # a commune official sees house numbers, not names
    assert "5A" in listing and "Nguyễn Thị Dung" not in listing


def test_figures_as_of_a_future_date_fall_back_to_today(team: Client, family: dict) -> None:
    response = team.get(reverse("payments_figures"), {"as_of": "2999-01-01"})
    assert response.status_code == 200
    response = team.get(reverse("payments_figures"), {"as_of": "31/02/2020"})
    assert response.status_code == 200


def test_dashboard_shows_adoption_tiles(client: Client, village_head: Any, family: dict) -> None:
    client.force_login(village_head)
    html = client.get(reverse("dashboard")).content.decode()
    assert 'data-testid="tile-vneid_level2_14plus"' in html


def test_a_commune_official_compares_the_villages_of_the_commune(
    client: Client, commune_official: Any, family: dict
) -> None:
    from tests.factories import HouseholdFactory, LaneFactory, VillageFactory

    village = family["household"].village
    neighbour = VillageFactory(commune=village.commune, name="Thôn Bên Cạnh")
    HouseholdFactory(lane=LaneFactory(village=neighbour), village=neighbour)
    client.force_login(commune_official)
    html = client.get(reverse("payments_figures")).content.decode()
    table = html.split('data-testid="by-village"')[1].split("</table>")[0]
    assert "Thôn Bên Cạnh" in table and village.name in table
    assert "0/1" in table  # the neighbour's one household, without fibre


def test_the_checklist_does_not_query_per_member(
    team: Client, family: dict, django_assert_max_num_queries: Any
) -> None:
    from tests.factories import ResidentFactory

    url = reverse("payments_checklist", args=[family["household"].pk])
    team.get(url)
    with django_assert_max_num_queries(15) as few:
        team.get(url)
    for n in range(6):
        ResidentFactory(household=family["household"], full_name=f"Thành Viên {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        team.get(url)


def test_a_scanned_door_plate_sign_opens_the_household(
    team: Client, family: dict, world: Any, village_head: Any
) -> None:
    from qrsigns import services as sign_services
    from qrsigns.models import Sign

    household = family["household"]
    sign = sign_services.sign_create(
        village=world.village, kind=Sign.Kind.DOOR_PLATE, household=household, by=village_head
    )
    assert sign.household_id == household.pk and sign.code != household.public_code
    checklist = reverse("payments_checklist", args=[household.pk])
    door_plate = reverse("qrsigns_door_plate", kwargs={"code": household.public_code})
    for text in (
        f"https://thon.example.vn/q/{sign.code}",
        f"HTTPS://THON.EXAMPLE.VN/Q/{sign.code}",
        f"http://192.168.1.10:8000/q/{sign.code.lower()}",
        f"thon.example.vn/Q/{sign.code}",
        f"/q/{sign.code}",
        f"https://other-host.example.org{door_plate}",
        door_plate,
    ):
        response = team.get(reverse("payments_home"), {"q": text})
        assert response.status_code == 302, text
        assert response["Location"] == checklist, text


def test_a_sign_of_another_village_or_not_a_door_plate_opens_nothing(
    team: Client, world: Any, village_head: Any
) -> None:
    from qrsigns import services as sign_services
    from qrsigns.models import Sign

    other_household = world.other_village.households.first()
    foreign = sign_services.sign_create(
        village=world.other_village,
        kind=Sign.Kind.DOOR_PLATE,
        household=other_household,
        by=village_head,
    )
    lane_sign = sign_services.sign_create(
        village=world.village, kind=Sign.Kind.LANE_START, lane=world.lane, by=village_head
    )
    own = sign_services.sign_create(
        village=world.village, kind=Sign.Kind.DOOR_PLATE, household=world.household, by=village_head
    )
    sign_services.sign_set_active(sign=own, by=village_head, active=False)
    other_plate = reverse("qrsigns_door_plate", kwargs={"code": other_household.public_code})
    for text in (
        f"https://thon.example.vn/q/{foreign.code}",
        f"https://thon.example.vn/q/{lane_sign.code}",
        f"https://thon.example.vn/q/{own.code}",
        "https://thon.example.vn/q/0000000000",
        f"https://thon.example.vn{other_plate}",
    ):
        response = team.get(reverse("payments_home"), {"q": text})
        assert response.status_code == 200, text
        html = response.content.decode()
        assert "Không tìm thấy hộ nào." in html, text
        assert reverse("payments_checklist", args=[other_household.pk]) not in html


def _static(path: str) -> str:
    from django.contrib.staticfiles import finders

    found = finders.find(path)
    assert found, path
    with open(found, encoding="utf-8") as handle:
        return handle.read()
