"""The adoption chart: thirteen monthly points from one query, the same as day by day."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from payments import services
from payments.figures import SPEC_BY_CODE, SPECS
from villageportal.charts import bar_chart, percent_line_chart, sparkline

pytestmark = pytest.mark.django_db


def _months(day: date) -> list[date]:
    return [day - timedelta(days=round(back * 30.44)) for back in range(12, -1, -1)]


@pytest.fixture
def recorded(family: dict, shop: Any, digital_team: Any) -> dict:
    today = timezone.localdate()
    for back, value in ((300, "none"), (100, "level2")):
        services.adoption_record(
            household=family["household"],
            entries=[
                services.Entry("vneid", value, "no_smartphone" if value == "none" else "", r)
                for r in (family["head"], family["youth"])
            ],
            observed_on=today - timedelta(days=back),
            method="seen",
            by=digital_team,
        )
    return family


def test_the_chart_asks_the_database_once(
    recorded: dict, village: Any, django_assert_num_queries: Any
) -> None:
    spec = SPEC_BY_CODE["vneid_level2_14plus"]
    with django_assert_num_queries(1):
        counts = spec.series(_months(timezone.localdate()), village=village.pk)
    assert len(counts) == 13
    assert counts[0] == (0, 4)  # a year ago: none of the four aged 14 and over (with the shop)
    assert counts[-1] == (2, 4)


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.code)
def test_the_series_matches_the_figure_of_each_day(recorded: dict, village: Any, spec) -> None:
    days = _months(timezone.localdate())
    one_by_one = [spec.counts(day, villages=[village.pk]).get(village.pk, (0, 0)) for day in days]
    assert spec.series(days, village=village.pk) == one_by_one


def test_the_figures_page_draws_the_line(recorded: dict, officer: Any) -> None:
    client = Client()
    client.force_login(officer)
    response = client.get(reverse("payments_figures"), {"chart": "vneid_level2_14plus"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="chart"' in html and "<polyline" in html and "<script" not in html


def test_the_line_chart_places_percentages_and_leaves_gaps() -> None:
    day = date(2026, 1, 1)
    chart = percent_line_chart([(day, 0.0), (day + timedelta(days=30), None), (day, 100.0)])
    # 600 wide, 40 px left margin, 10 right; 200 high, 10 top, 30 bottom.
    assert chart["polyline"] == "40.0,170.0 590.0,10.0"
    assert [c["pct"] for c in chart["coords"]] == [0.0, 100.0]
    assert chart["grid"][0] == {"y": 170.0, "label": 0}
    assert chart["first"] == day


def test_the_bar_chart_scales_to_the_largest_day() -> None:
    day = date(2026, 1, 1)
    chart = bar_chart([(day, 2), (day + timedelta(days=1), 4)], width=102, height=60)
    assert [(b.height, b.y, b.count) for b in chart["bars"]] == [(20.0, 20.0, 2), (40.0, 0.0, 4)]
    assert chart["max"] == 4 and chart["total"] == 6 and chart["axis_y"] == 40
    assert bar_chart([(day, 0)])["max"] == 0


def test_the_sparkline_needs_two_values() -> None:
    assert sparkline([5.0]) == ""
    assert sparkline([0.0, None, 10.0], width=10, height=10) == "0.0,10.0 10.0,0.0"
