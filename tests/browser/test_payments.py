"""The digital team's door-to-door round in a real Chromium on a 360-px phone screen."""

import os
from typing import Any

import pytest

from payments.models import Observation, Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_locale() -> str:
    """The digital team's phones are set to Vietnamese."""
    return "vi-VN"


def test_the_team_finds_a_household_by_its_door_plate_and_saves_a_visit_once(
    page: Any,
    live_server: Any,
    digital_team: Any,
    password: str,
    family: dict,
    output_dir: str,
) -> None:
    household = family["household"]
    head = family["head"]
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", digital_team.email)
    page.fill("input[name=password]", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")

    page.goto(f"{live_server.url}/adoption/")
    page.get_by_test_id("adoption-search").fill(f"{live_server.url}/h/{household.public_code}/")
    page.get_by_test_id("adoption-search").press("Enter")
    page.wait_for_url(f"**/adoption/households/{household.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # No VNeID level for the ten-year-old.
    assert page.locator(f"select[name='r{family['child'].pk}-vneid']").count() == 0

    page.select_option(f"select[name='r{head.pk}-vneid']", "level2")
    page.select_option(f"select[name='r{head.pk}-epayment']", "no")
    page.select_option(f"select[name='r{head.pk}-epayment-reason']", "no_bank_account")
    page.select_option("select[name='h-fibre']", "yes")
    page.check("input[name=helped_with][value=vneid]")
    page.screenshot(path=os.path.join(output_dir, "adoption-checklist-360px.png"), full_page=True)
    # A double tap: the second submission carries the same token.
    page.get_by_test_id("save").dblclick()
    page.wait_for_selector(".messages")
    assert Visit.objects.count() == 1
    assert Observation.objects.count() == 3
    assert "Mức 2" in page.get_by_test_id("checklist").inner_text()

    page.goto(f"{live_server.url}/adoption/figures/")
    figures = page.get_by_test_id("figures").inner_text()
    assert "VNeID mức 2" in figures
    assert page.get_by_test_id("chart").count() == 1


def test_the_adoption_chart_keeps_its_axis_labels_inside_on_a_phone_and_a_laptop(
    page: Any, live_server: Any, officer: Any, password: str, family: dict, output_dir: str
) -> None:
    from tests.browser.conftest import LAPTOP, PHONE, layout_problems, sign_in

    sign_in(page, live_server, officer, password)
    for viewport in (PHONE, LAPTOP):
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}/adoption/figures/?chart=vneid_level2_14plus")
        chart = page.get_by_test_id("chart")
        frame = chart.bounding_box()
        labels = chart.locator("text")
        texts = labels.all_text_contents()
        assert {"0%", "50%", "100%"} <= set(texts), texts
        for i in range(labels.count()):
            box = labels.nth(i).bounding_box()
            assert frame["x"] - 0.5 <= box["x"], texts[i]
            assert box["x"] + box["width"] <= frame["x"] + frame["width"] + 0.5, texts[i]
            assert frame["y"] - 0.5 <= box["y"], texts[i]
            assert box["y"] + box["height"] <= frame["y"] + frame["height"] + 0.5, texts[i]
            # Readable: no smaller than 9 px on either screen.
            assert box["height"] >= 9, (texts[i], box)
        # The percentages run down the left side, not piled up at the top edge.
        ys = [labels.nth(texts.index(t)).bounding_box()["y"] for t in ("100%", "50%", "0%")]
        assert ys == sorted(ys) and ys[2] - ys[0] > frame["height"] / 2
        assert layout_problems(page) == []
        chart.screenshot(path=os.path.join(output_dir, f"adoption-chart-{viewport['width']}px.png"))
    page.screenshot(path=os.path.join(output_dir, "adoption-figures-1366px.png"), full_page=True)
