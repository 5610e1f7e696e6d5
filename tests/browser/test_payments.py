"""The digital team's door-to-door round in a real Chromium on a 360-px phone screen."""

import os
from typing import Any

import pytest

from payments.models import Observation, Visit
from tests.browser.conftest import layout_problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_locale() -> str:
    """The digital team's phones are set to Vietnamese."""
    return "vi-VN"


@pytest.fixture
def page(browser: Any, browser_locale: str) -> Any:
    """A touch phone 360 px wide: the checklist is answered by tapping."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale=browser_locale, has_touch=True
    )
    yield context.new_page()
    context.close()


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
    assert page.locator(f"input[name='r{family['child'].pk}-vneid']").count() == 0

    def tap(name: str, value: str) -> None:
        page.locator(f"label:has(input[name='{name}'][value='{value}'])").tap()

    def reason(name: str) -> Any:
        return page.locator(f"select[name='{name}-reason']")

    # Before any tap no reason is asked; one tap answers an item.
    assert not reason(f"r{head.pk}-epayment").is_visible()
    tap(f"r{head.pk}-vneid", "level2")
    assert not reason(f"r{head.pk}-vneid").is_visible()
    tap(f"r{head.pk}-epayment", "no")
    assert reason(f"r{head.pk}-epayment").is_visible()
    reason(f"r{head.pk}-epayment").select_option("no_bank_account")
    # A second thought: Wi-Fi "no", then "yes" hides and clears its reason again.
    tap("h-wifi", "no")
    reason("h-wifi").select_option("cost")
    tap("h-wifi", "yes")
    assert not reason("h-wifi").is_visible() and reason("h-wifi").input_value() == ""
    tap("h-fibre", "yes")
    # Saving with a reason missing is stopped on the phone, in Vietnamese.
    tap("h-digital_channel", "no")
    page.get_by_test_id("save").tap()
    assert reason("h-digital_channel").evaluate("e => e.validationMessage") == (
        "Chọn lý do chưa dùng."
    )
    assert Visit.objects.count() == 0
    tap("h-digital_channel", "")
    page.locator("label:has(input[name=helped_with][value=vneid])").tap()
    page.screenshot(path=os.path.join(output_dir, "adoption-checklist-360px.png"), full_page=True)
    # A double tap: the second submission carries the same token.
    page.get_by_test_id("save").dblclick()
    page.wait_for_selector(".messages")
    assert Visit.objects.count() == 1
    assert Observation.objects.count() == 4
    assert Observation.objects.get(item="wifi").reason == ""
    assert Observation.objects.get(item="epayment").reason == "no_bank_account"
    assert "Mức 2" in page.get_by_test_id("checklist").inner_text()

    page.goto(f"{live_server.url}/adoption/figures/")
    figures = page.get_by_test_id("figures").inner_text()
    assert "VNeID mức 2" in figures
    assert page.get_by_test_id("chart").count() == 1


def test_the_team_works_down_a_list_household_after_household(
    page: Any,
    browser: Any,
    live_server: Any,
    digital_team: Any,
    password: str,
    family: dict,
    world: Any,
    output_dir: str,
) -> None:
    from tests.factories import HouseholdFactory, ResidentFactory, years_ago

    last = HouseholdFactory(lane=world.lane, village=world.village, house_number="9")
    neighbour = ResidentFactory(
        household=last, full_name="Phạm Văn Chín", is_head=True, birth_date=years_ago(35)
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", digital_team.email)
    page.fill("input[name=password]", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")

    page.goto(f"{live_server.url}/adoption/work/vneid_level2_14plus/")
    # On a phone the list reads as one card per person, without the paper sheet's blank columns.
    assert layout_problems(page) == []
    assert not page.locator(".wl-box").first.is_visible()
    page.screenshot(path=os.path.join(output_dir, "adoption-worklist-360px.png"), full_page=True)
    page.get_by_role("link", name="5A").first.tap()
    page.wait_for_url(f"**/adoption/households/{family['household'].pk}/?list=*")
    assert "Hộ tiếp theo: 9" in page.get_by_test_id("next-household").inner_text()
    for key in ("head", "elder", "youth"):
        page.locator(f"label:has(input[name='r{family[key].pk}-vneid'][value='level2'])").tap()
    page.screenshot(path=os.path.join(output_dir, "adoption-worklist-checklist-360px.png"))
    page.get_by_test_id("save").tap()
    page.wait_for_selector(".messages")
    assert "Đã lưu" in page.locator(".messages").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_test_id("next-household").get_by_role("link").tap()
    page.wait_for_url(f"**/adoption/households/{last.pk}/?list=*")
    assert (
        "Đây là hộ cuối cùng của danh sách." in page.get_by_test_id("next-household").inner_text()
    )
    page.locator(f"label:has(input[name='r{neighbour.pk}-smartphone'][value='no'])").tap()
    page.screenshot(
        path=os.path.join(output_dir, "adoption-worklist-last-360px.png"), full_page=True
    )

    desk = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    desk.add_cookies(page.context.cookies())
    laptop = desk.new_page()
    laptop.goto(f"{live_server.url}/adoption/households/{family['household'].pk}/")
    laptop.locator(f"label:has(input[name='r{family['elder'].pk}-epayment'][value='no'])").click()
    assert laptop.locator(f"select[name='r{family['elder'].pk}-epayment-reason']").is_visible()
    laptop.screenshot(path=os.path.join(output_dir, "adoption-checklist-1366px.png"))
    assert laptop.evaluate("document.documentElement.scrollWidth") <= 1366
    desk.close()


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
