"""axe-core in Chromium over every public page and the main staff pages, on a phone and a
laptop screen: no critical or serious accessibility fault.

The public pages are those the access matrix opens to everyone (tests/test_access_matrix.py),
fetched with the objects its rules make; the staff pages are the ones a village head works in.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cameras.models import CameraState, Status
from tests.access import ANON
from tests.browser.checks import LAPTOP, PHONE, blocking_violations, error_page, sign_in
from tests.cameras.factories import CameraFactory
from tests.test_access_matrix import ROUTES, _url, rule_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["360px", "1366px"])

# The pages of a village head's day, by route name.
STAFF_PAGES = (
    "dashboard",
    "household_list",
    "household_detail",
    "announcement_list",
    "announcement_create",
    "announcement_detail",
    "feedback_list",
    "feedback_detail",
    "camera_list",
    "camera_detail",
    "camera_map",
    "reports_village",
    "payments_home",
    "payments_figures",
    "invitation_list",
)


@pytest.fixture
def browser_locale() -> str:
    return "vi-VN"


def _context(world: Any) -> dict[str, Any]:
    camera = CameraFactory(village=world.village, name="Cổng làng")
    CameraState.objects.filter(camera=camera).update(
        status=Status.OFFLINE, status_since=timezone.now() - timedelta(minutes=9)
    )
    return {
        "village": world.village,
        "lane": world.lane,
        "household": world.household,
        "other_village": world.other_village,
    }


def _html_pages(routes: list[Any], ctx: dict[str, Any], client: Client) -> list[str]:
    """The URLs of these routes that answer with a whole HTML page (not a redirect, a file or
    a fragment that a page's script inserts into itself)."""
    urls = []
    for route in routes:
        url = _url(route, rule_for(route), ctx)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        if response.content.lstrip()[:15].lower() == b"<!doctype html>":
            urls.append(url)
    return urls


def _check(
    browser: Any, base_url: str, viewport: dict, urls: list[str], login: tuple[str, str] | None
) -> list[str]:
    failures = []
    context = browser.new_context(viewport=viewport, locale="vi-VN")
    page = context.new_page()
    if login:
        sign_in(page, base_url, *login)
    for url in urls:
        page.goto(base_url + url)
        if error := error_page(page):
            failures.append(f"{url}: error page {error!r}")
        failures += [f"{url}: {violation}" for violation in blocking_violations(page)]
    context.close()
    return failures


@VIEWPORTS
def test_every_public_page_has_no_serious_accessibility_fault(
    browser: Any, live_server: Any, world: Any, viewport: dict
) -> None:
    routes = []
    for route in ROUTES:
        rule = rule_for(route)
        if rule is None or rule.method != "GET" or rule.api or rule.admin or rule.login_flow:
            continue
        # The API's documentation is Swagger UI's own interface, in English, for programmers;
        # its faults are the library's, not pages of the portal.
        if ANON in rule.allowed and route.name != "api_docs":
            routes.append(route)
    urls = _html_pages(routes, _context(world), Client(headers={"accept-language": "vi"}))
    # The village's home, a lane's page, the feedback form and board, announcements, sign-in.
    assert len(urls) >= 15, urls

    failures = _check(browser, live_server.url, viewport, urls, login=None)

    assert not failures, "Accessibility faults:\n" + "\n".join(failures)


@VIEWPORTS
def test_the_main_staff_pages_have_no_serious_accessibility_fault(
    browser: Any, live_server: Any, world: Any, village_head: Any, password: str, viewport: dict
) -> None:
    by_name = {route.name: route for route in ROUTES}
    client = Client(headers={"accept-language": "vi"})
    client.force_login(village_head)
    urls = _html_pages([by_name[name] for name in STAFF_PAGES], _context(world), client)
    assert len(urls) == len(STAFF_PAGES), urls

    failures = _check(
        browser, live_server.url, viewport, urls, login=(village_head.email, password)
    )

    assert not failures, "Accessibility faults:\n" + "\n".join(failures)
