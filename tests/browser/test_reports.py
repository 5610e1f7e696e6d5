"""A commune official's report in a real Chromium: commune page, sorting, a village, what is
missing, down to the households behind a figure."""

import os
from datetime import date

import pytest

from households.models import Village
from tests.factories import HouseholdFactory, LaneFactory, VillageFactory
from tests.reports.factories import small_set

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_commune_official_goes_from_the_commune_to_the_missing_households(
    page, live_server, commune_official, password, world, output_dir
) -> None:
    Village.objects.update(valid_from=date(2020, 1, 1))
    second = VillageFactory(commune=world.village.commune, name="Thôn An Bình")
    lane = LaneFactory(village=second)
    for n in range(3):
        HouseholdFactory(lane=lane, digital_address=f"AB{n}")
    Village.objects.update(valid_from=date(2020, 1, 1))
    criteria_set = small_set(
        ("Địa chỉ số", "measure", "households_digital_address", "percent", 80),
        ("Tổ công nghệ số", "measure", "digital_team_members", "count", 3),
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", commune_official.email)
    page.fill("input[name=password]", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{live_server.url}/commune/")  # a commune official's home

    page.goto(
        f"{live_server.url}/reports/communes/{world.village.commune_id}/?set={criteria_set.pk}"
    )
    rows = page.get_by_test_id("village-row")
    assert rows.count() == 2
    assert "0/2" in page.get_by_test_id("village-row").nth(1).inner_text() or "0/2" in (
        page.get_by_test_id("village-row").nth(0).inner_text()
    )
    # Sorting is a plain link: most criteria met first.
    page.get_by_test_id("sort-passed").click()
    page.wait_for_load_state()
    assert "Thôn An Bình" in rows.nth(0).inner_text()
    page.screenshot(path=os.path.join(output_dir, "reports-commune-360px.png"), full_page=True)

    page.get_by_role("link", name=world.village.name).last.click()
    page.wait_for_load_state()
    assert page.get_by_test_id("fail").count() == 2
    page.get_by_test_id("missing").get_by_role("link").first.click()
    page.wait_for_load_state()
    assert page.get_by_test_id("missing-count").inner_text() == "1 bản ghi"
    page.get_by_test_id("missing-list").get_by_role("link").first.click()
    page.wait_for_url(f"{live_server.url}/registry/households/{world.household.pk}/")
