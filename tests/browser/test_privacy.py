"""The commune's processing register in a real Chromium, on a 360-px phone (the table stacks
into cards) and a 1366-px laptop, with its downloads."""

import os
from typing import Any

import pytest

from tests.browser.conftest import layout_problems, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_locale() -> str:
    return "vi-VN"


def _no_page_scroll(page: Any) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_the_register_reads_on_a_phone_and_a_laptop(
    page: Any,
    browser: Any,
    live_server: Any,
    commune_official: Any,
    password: str,
    village: Any,
    output_dir: str,
) -> None:
    sign_in(page, live_server, commune_official, password)
    page.goto(f"{live_server.url}/privacy/register/")
    page.wait_for_url(f"{live_server.url}/privacy/communes/{village.commune_id}/register/")
    assert (
        page.get_by_role("heading", level=1)
        .inner_text()
        .startswith("Danh mục hoạt động xử lý dữ liệu cá nhân")
    )
    # On a phone each row is a card: its cells are labelled and nothing scrolls sideways.
    row = page.locator("[data-stored='households.Resident: national_id']")
    assert row.locator("td").first.evaluate("td => getComputedStyle(td).display") != "table-cell"
    assert _no_page_scroll(page)
    assert layout_problems(page) == []
    page.screenshot(path=os.path.join(output_dir, "privacy-register-360px.png"), full_page=True)

    laptop = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    wide = laptop.new_page()
    sign_in(wide, live_server, commune_official, password)
    wide.goto(f"{live_server.url}/privacy/communes/{village.commune_id}/register/")
    assert wide.locator("table.stack thead").is_visible()
    assert _no_page_scroll(wide)
    wide.screenshot(path=os.path.join(output_dir, "privacy-register-1366px.png"), full_page=False)
    with wide.expect_download() as info:
        wide.get_by_text("Danh mục (PDF)").click()
    assert info.value.suggested_filename.startswith("register-")
    laptop.close()
