"""The checklist as the team fills it at the door: one tap per item, a reason only where
needed, and the next household of the work list after saving."""

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from payments import services
from payments.models import Observation, Visit
from tests.factories import HouseholdFactory, LaneFactory, ResidentFactory, years_ago

pytestmark = pytest.mark.django_db

VNEID_LIST = "vneid_level2_14plus"


@pytest.fixture
def team(client: Client, digital_team: Any) -> Client:
    client.force_login(digital_team)
    return client


def _token(html: str) -> str:
    return re.search(r'name="token" value="([0-9a-f-]{36})"', html).group(1)


def _visit(team: Client, household: Any, values: dict, query: str = "") -> Any:
    page = team.get(reverse("payments_checklist", args=[household.pk]) + query).content.decode()
    data = {
        "token": _token(page),
        "observed_on": timezone.localdate().isoformat(),
        "method": "seen",
        **values,
    }
    return team.post(reverse("payments_checklist_save", args=[household.pk]) + query, data)


def test_each_item_is_a_row_of_taps_with_a_skip(team: Client, family: dict) -> None:
    head = family["head"]
    html = team.get(reverse("payments_checklist", args=[family["household"].pk])).content.decode()
    radios = re.findall(rf'<input type="radio" name="r{head.pk}-vneid"[^>]*>', html)
    assert [re.search(r'value="(\w*)"', r).group(1) for r in radios] == [
        "",
        "none",
        "level1",
        "level2",
    ]
    assert "checked" in radios[0]  # nothing is changed unless tapped
    # Only the answers that are not "adopted" ask for a reason.
    assert ["data-needs-reason" in r for r in radios] == [False, True, True, False]
    assert "Bỏ qua" in html


def test_tapped_values_are_saved_and_a_reason_only_where_needed(team: Client, family: dict) -> None:
    head, elder = family["head"], family["elder"]
    response = _visit(
        team,
        family["household"],
        {
            f"r{head.pk}-vneid": "level2",
            # A reason left from an earlier answer (a page without scripts) is dropped.
            f"r{head.pk}-vneid-reason": "forgot_password",
            f"r{head.pk}-smartphone": "yes",
            f"r{elder.pk}-smartphone": "no",
            f"r{elder.pk}-smartphone-reason": "too_old",
            f"r{elder.pk}-epayment": "",
            f"r{elder.pk}-epayment-reason": "cost",
            "h-fibre": "no",
            "h-fibre-reason": "no_coverage",
        },
    )
    assert response.status_code == 302
    rows = {(o.resident_id, o.item): (o.value, o.reason) for o in Observation.objects.all()}
    assert rows == {
        (head.pk, "vneid"): ("level2", ""),
        (head.pk, "smartphone"): ("yes", ""),
        (elder.pk, "smartphone"): ("no", "too_old"),
        (None, "fibre"): ("no", "no_coverage"),
    }


@pytest.mark.parametrize(
    ("item", "value", "message"),
    [
        ("epayment", "no", "Chọn lý do Trần Thị Bình chưa dùng"),
        ("vneid", "level1", "Chọn lý do Trần Thị Bình chưa dùng"),
        ("fibre", "no", "Chọn lý do hộ chưa dùng"),
    ],
)
def test_an_answer_not_used_yet_needs_its_reason(
    team: Client, family: dict, item: str, value: str, message: str
) -> None:
    elder = family["elder"]
    name = f"h-{item}" if item == "fibre" else f"r{elder.pk}-{item}"
    response = _visit(
        team,
        family["household"],
        {name: value, f"r{family['head'].pk}-smartphone": "yes", "note": "Ghé lần 2"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert not Observation.objects.exists() and not Visit.objects.exists()
    # What was tapped is still tapped, so only the reason is left to give.
    assert re.search(rf'name="{name}" value="{value}"[^>]* checked', html)
    assert re.search(rf'name="r{family["head"].pk}-smartphone" value="yes"[^>]* checked', html)
    assert 'value="Ghé lần 2"' in html


@pytest.fixture
def street(family: dict, world: Any) -> dict[str, Any]:
    """Lane A: 3, 5A (the family), 7 (already at level 2), 12; lane B after it: 1."""

    def house(lane: Any, number: str) -> Any:
        household = HouseholdFactory(lane=lane, village=world.village, house_number=number)
        ResidentFactory(
            household=household,
            full_name=f"Chủ hộ {number}",
            is_head=True,
            birth_date=years_ago(30),
        )
        return household

    later = LaneFactory(village=world.village, name="Ngõ Sau")
    later.sort_order = world.lane.sort_order + 1
    later.save()
    houses = {n: house(world.lane, n) for n in ("12", "7", "3")}
    houses["1"] = house(later, "1")
    houses["5A"] = family["household"]
    done = houses["7"]
    services.adoption_record(
        household=done,
        entries=[services.Entry(item="vneid", value="level2", resident=done.residents.get())],
        observed_on=timezone.localdate(),
        method="seen",
        by=None,
    )
    return {"houses": houses, "lane": world.lane, "later": later}


def _next(team: Client, household: Any, query: str) -> str:
    html = team.get(reverse("payments_checklist", args=[household.pk]) + query).content.decode()
    return html.split('data-testid="next-household"')[1].split("</div>")[0]


def test_the_work_list_links_carry_the_list(team: Client, street: dict) -> None:
    html = team.get(reverse("payments_work_list", args=[VNEID_LIST])).content.decode()
    three = street["houses"]["3"]
    assert f"{reverse('payments_checklist', args=[three.pk])}?list={VNEID_LIST}" in html


def test_next_household_follows_the_work_list_order(team: Client, street: dict) -> None:
    houses, query = street["houses"], f"?list={VNEID_LIST}"
    expected = {"3": "5A", "5A": "12", "12": "1"}  # 7 is done; lane B comes after lane A
    for number, following in expected.items():
        box = _next(team, houses[number], query)
        url = reverse("payments_checklist", args=[houses[following].pk])
        assert f'href="{url}?list={VNEID_LIST}"' in box, number
    assert "Đây là hộ cuối cùng của danh sách." in _next(team, houses["1"], query)
    # Within one lane the list ends with its last house.
    lane_query = f"?list={VNEID_LIST}&lane={street['lane'].pk}"
    assert "Đây là hộ cuối cùng của danh sách." in _next(team, houses["12"], lane_query)
    # Opened without a list (a door-plate scan), there is no "next".
    html = team.get(reverse("payments_checklist", args=[houses["3"].pk])).content.decode()
    assert 'data-testid="next-household"' not in html


def test_after_saving_the_next_household_is_offered(
    team: Client, street: dict, family: dict
) -> None:
    houses, query = street["houses"], f"?list={VNEID_LIST}"
    values = {f"r{family[k].pk}-vneid": "level2" for k in ("head", "elder", "youth")}
    response = _visit(team, houses["5A"], values, query)
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("payments_checklist", args=[houses["5A"].pk]) + f"{query}#next"
    )
    # 5A left the list with this visit; the next one is still the one after it.
    box = _next(team, houses["5A"], query)
    assert reverse("payments_checklist", args=[houses["12"].pk]) in box
    assert "2 hộ còn lại trong danh sách." in box
    listing = team.get(reverse("payments_work_list", args=[VNEID_LIST])).content.decode()
    assert reverse("payments_checklist", args=[houses["5A"].pk]) not in listing


def test_an_unknown_list_is_ignored(team: Client, street: dict) -> None:
    url = reverse("payments_checklist", args=[street["houses"]["3"].pk])
    for query in ("?list=nothing", f"?list={VNEID_LIST}&lane=abc"):
        response = team.get(url + query)
        assert response.status_code == 200
    assert 'data-testid="next-household"' not in team.get(url + "?list=nothing").content.decode()
