"""What every page a user opens in Chromium must pass: no error, no sideways scrolling on a
phone, Vietnamese without English left in it, and no serious accessibility fault (axe-core)."""

import os
from typing import Any

from axe_playwright_python.sync_playwright import Axe

from tests.test_vietnamese_pages import ENGLISH, visible_text

# The impacts axe-core ranks as blocking someone from using the page.
BLOCKING = ("critical", "serious")
PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1366, "height": 768}

_axe = Axe()


def sign_in(page: Any, base_url: str, login: str, password: str) -> None:
    """Sign in through the form, as a person does, and wait for the page it lands on."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("[data-testid=login-submit]")
    page.wait_for_load_state()


def blocking_violations(page: Any) -> list[str]:
    """axe-core's critical and serious findings on the page as it is now, one line each.

    axe-core is evaluated through the DevTools protocol, which the page's
    Content-Security-Policy does not govern: the page is checked with its real policy on.
    """
    results = _axe.run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
        found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found


def sideways_overflow(page: Any) -> int:
    """How many pixels the page is wider than the screen (0 when nothing scrolls sideways)."""
    return int(page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth"))


def english_words(page: Any) -> list[str]:
    """English UI words in the visible text of a page served in Vietnamese."""
    if page.locator("html").get_attribute("lang") != "vi":
        return []
    return sorted({word.lower() for word in ENGLISH.findall(visible_text(page.content()))})


def error_page(page: Any) -> str | None:
    """The heading of the error page (templates/error_base.html) shown instead of content."""
    if page.locator("main.error-page").count():
        return page.locator("main.error-page h1").inner_text()
    return None


def shot(page: Any, folder: str, name: str) -> None:
    os.makedirs(folder, exist_ok=True)
    page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)
