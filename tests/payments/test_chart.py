"""The adoption chart: thirteen monthly points from one query, the same as day by day."""

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from payments import services
from payments.figures import SPEC_BY_CODE, SPECS
from villageportal.charts import CHAR_WIDTH, bar_chart, percent_line_chart, sparkline

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
    # 400 wide: 41 units on the left for "100%", 6 on the right; 200 high, 9 on top, 23 below.
    assert chart["polyline"] == "41,177 394,9"
    assert [c["pct"] for c in chart["coords"]] == [0.0, 100.0]
    assert chart["grid"][0] == {"y": "177", "label": 0}
    assert chart["first"] == day


def test_chart_coordinates_keep_a_decimal_point_in_vietnamese(recorded: dict, officer: Any) -> None:
    """A localised "170,0" is no coordinate at all: SVG drew every label at the top edge."""
    client = Client()
    client.force_login(officer)
    html = client.get(reverse("payments_figures"), {"chart": "vneid_level2_14plus"}).content
    svg = html.decode().split('data-testid="chart"')[1].split("</svg>")[0]
    assert 'y="177"' in svg
    assert not re.search(r'(?:x|y|cx|cy|x1|x2|y1|y2)="[0-9]+,[0-9]', svg)


def _label_spans(chart: dict) -> list[tuple[float, float]]:
    spans = []
    for label in chart["labels"]:
        width = len(label.text) * chart["font"] * CHAR_WIDTH
        x = float(label.x)
        start = {"start": x, "middle": x - width / 2, "end": x - width}[label.anchor]
        spans.append((start, start + width))
    return spans


@pytest.mark.parametrize("days", [1, 2, 7, 13, 30, 31])
def test_axis_labels_stay_inside_the_drawing_and_apart(days: int) -> None:
    day = date(2026, 1, 1)
    for chart in (
        bar_chart([(day + timedelta(days=i), i) for i in range(days)]),
        percent_line_chart([(day + timedelta(days=30 * i), 50.0) for i in range(days)]),
    ):
        bottom = [lb for lb in chart["labels"] if lb.baseline == "auto"]
        assert bottom, "the first and the last day are always named"
        spans = [
            s for s, lb in zip(_label_spans(chart), chart["labels"], strict=True) if lb in bottom
        ]
        assert all(a >= 0 and b <= chart["width"] for a, b in spans)
        assert all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1))
        assert all(float(lb.y) <= chart["height"] for lb in chart["labels"])
        assert bottom[-1].text in (
            (day + timedelta(days=days - 1)).strftime("%d/%m"),
            (day + timedelta(days=30 * (days - 1))).strftime("%m/%Y"),
        )


def test_the_bar_chart_scales_to_the_largest_day() -> None:
    day = date(2026, 1, 1)
    chart = bar_chart([(day, 2), (day + timedelta(days=1), 4)], width=102, height=80, font=10)
    # 16 units on top for the maximum, 18 below for the days: 46 units for the bars.
    assert [(b.height, b.y, b.count) for b in chart["bars"]] == [("23", "39", 2), ("46", "16", 4)]
    assert chart["max"] == 4 and chart["total"] == 6 and chart["axis_y"] == "62"
    assert bar_chart([(day, 0)])["max"] == 0


def test_the_sparkline_needs_two_values() -> None:
    assert sparkline([5.0]) == ""
    assert sparkline([0.0, None, 10.0], width=10, height=10) == "0.0,10.0 10.0,0.0"
