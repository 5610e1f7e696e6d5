"""The village page, the commune page, the missing lists and the API: same figures, scoped."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from households.models import Village
from reports.models import CriteriaSet
from tests.factories import HouseholdFactory, LaneFactory, VillageFactory
from tests.reports.factories import small_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def criteria_set(world) -> CriteriaSet:
    Village.objects.update(valid_from=date(2020, 1, 1))
    # world's household has no digital address; add three that do.
    for n in range(3):
        HouseholdFactory(lane=world.lane, digital_address=f"DP{n}")
    return small_set(
        ("Địa chỉ số", "measure", "households_digital_address", "percent", 80),
        ("Camera", "measure", "a_measure_no_app_provides", "count", 2),
    )


def _get(user, url: str) -> object:
    client = Client()
    client.force_login(user)
    return client.get(url)


def _table(response: object) -> str:
    page = response.content.decode()
    return page[page.index('data-testid="commune-table"') :]


def test_the_village_page_shows_figure_threshold_verdict_and_missing(
    village_head, village, criteria_set
) -> None:
    url = reverse("reports_village", args=[village.pk]) + f"?set={criteria_set.pk}"
    page = _get(village_head, url).content.decode()
    assert "75,0%" in page or "75.0%" in page
    records = reverse("reports_records", args=[village.pk, "households_digital_address"])
    today = timezone.localdate().isoformat()
    assert f'(<a href="{records}?date={today}&amp;set={criteria_set.pk}">3</a>/4)' in page
    assert 'data-testid="fail"' in page
    assert 'data-testid="not-available"' in page  # the cameras app is not installed here
    missing = reverse("reports_missing", args=[village.pk, "households_digital_address"])
    assert missing in page


def test_the_missing_list_links_to_the_households(village_head, village, world) -> None:
    page = _get(
        village_head, reverse("reports_missing", args=[village.pk, "households_digital_address"])
    ).content.decode()
    assert reverse("household_detail", args=[world.household.pk]) in page


def test_a_figure_links_to_the_households_counted(village_head, village, world) -> None:
    counted = HouseholdFactory(lane=world.lane, digital_address="DP-X")
    page = _get(
        village_head, reverse("reports_records", args=[village.pk, "households_digital_address"])
    ).content.decode()
    assert reverse("household_detail", args=[counted.pk]) in page
    assert reverse("household_detail", args=[world.household.pk]) not in page
    # a measure without a list of records
    assert (
        _get(
            village_head, reverse("reports_records", args=[village.pk, "digital_team_members"])
        ).status_code
        == 404
    )


def test_a_date_before_the_village_existed_gets_a_clear_answer(
    village_head, village, criteria_set
) -> None:
    url = reverse("reports_village", args=[village.pk]) + f"?set={criteria_set.pk}&date=2019-05-01"
    response = _get(village_head, url)
    assert response.status_code == 400
    assert "2019" in response.content.decode()
    bad = _get(village_head, reverse("reports_village", args=[village.pk]) + "?date=hôm-qua")
    assert bad.status_code == 400


def test_another_communes_report_is_404(outsider, village, criteria_set) -> None:
    assert _get(outsider, reverse("reports_village", args=[village.pk])).status_code == 404
    assert _get(outsider, reverse("reports_commune", args=[village.commune_id])).status_code == 404
    assert (
        _get(outsider, reverse("reports_api_commune", args=[village.commune_id])).status_code == 404
    )


def test_the_commune_page_puts_villages_side_by_side_sorted_without_js(
    commune_official, village, criteria_set
) -> None:
    second = VillageFactory(
        commune=village.commune, name="Thôn An Bình", valid_from=date(2020, 1, 1)
    )
    lane = LaneFactory(village=second)
    for n in range(2):
        HouseholdFactory(lane=lane, digital_address=f"AB{n}")
    base = reverse("reports_commune", args=[village.commune_id]) + f"?set={criteria_set.pk}"
    page = _table(_get(commune_official, base + "&sort=name"))
    assert page.index("Thôn An Bình") < page.index(village.name)
    indicator = criteria_set.criteria.get(number=1).indicators.get()
    page = _table(_get(commune_official, base + f"&sort=-{indicator.pk}"))
    # An Bình has 100%, Đông Phú 75%: the best first.
    assert page.index("Thôn An Bình") < page.index(village.name)
    page = _table(_get(commune_official, base + f"&sort={indicator.pk}"))
    assert page.index(village.name) < page.index("Thôn An Bình")
    # the total: 5 of 6 households over both villages, one rate (not the mean of 75% and 100%)
    assert "83,3%" in page and "(5/6)" in page


def test_the_api_returns_the_same_figures(village_head, village, criteria_set) -> None:
    client = Client()
    client.force_login(village_head)
    data = client.get(
        reverse("reports_api_village", args=[village.pk]), {"set": criteria_set.pk}
    ).json()
    first = data["criteria"][0]["indicators"][0]
    assert (first["numerator"], first["denominator"], first["passed"]) == (3, 4, False)
    assert data["criteria"][1]["indicators"][0]["available"] is False
    bad = client.get(reverse("reports_api_village", args=[village.pk]), {"date": "2019-01-01"})
    assert bad.status_code == 400 and "2019" in bad.json()["detail"]


def test_village_staff_without_the_commune_role_get_403_on_the_commune(
    village_head, village, criteria_set
) -> None:
    assert (
        _get(village_head, reverse("reports_commune", args=[village.commune_id])).status_code == 403
    )


def test_the_dashboard_tile_counts_the_criteria(village_head, village, criteria_set) -> None:
    page = _get(village_head, reverse("dashboard")).content.decode()
    assert 'data-testid="tile-criteria"' in page
