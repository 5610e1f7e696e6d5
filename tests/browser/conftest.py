"""Browser journeys: Chromium comes from tests/conftest.py (``browser``, ``page``)."""

from typing import Any

import pytest

# The public pages' in-process cache starts empty for each journey, as in the qrsigns tests.
from tests.qrsigns.conftest import _fresh_local_pages  # noqa: F401


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    """Uploads of a journey go to a temporary folder; its e-mails stay in memory."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1366, "height": 768}

# What a person sees cut or pushed aside: the page scrolling sideways, a box whose content is
# wider than it (a tile, a card), a table wider than its wrapper (hidden behind a scroll).
_LAYOUT_PROBLEMS = """() => {
  const out = [];
  if (document.documentElement.scrollWidth > innerWidth) {
    out.push("the page scrolls sideways: " + document.documentElement.scrollWidth);
  }
  document.querySelectorAll(".tile, .card").forEach((box) => {
    if (box.scrollWidth > box.clientWidth + 1) {
      out.push("overflowing " + box.className + ": " + box.innerText.slice(0, 40));
    }
  });
  document.querySelectorAll("main table").forEach((table) => {
    const wrap = table.closest(".table-wrap") || table.parentElement;
    if (table.scrollWidth > wrap.clientWidth + 1) {
      const name = table.dataset.testid || table.innerText.slice(0, 40);
      out.push("table wider than the screen: " + name);
    }
  });
  return out;
}"""


def layout_problems(page: Any) -> list[str]:
    return page.evaluate(_LAYOUT_PROBLEMS)


def inside(box: dict, frame: dict) -> bool:
    """Whether a bounding box lies wholly within another."""
    return (
        frame["x"] <= box["x"]
        and box["x"] + box["width"] <= frame["x"] + frame["width"]
        and frame["y"] <= box["y"]
        and box["y"] + box["height"] <= frame["y"] + frame["height"]
    )


def all_inside(page: Any, items: Any, frame: Any) -> bool:
    """Whether every item lies within the frame once a map has made its last fit.

    Maps fit their markers again whenever their box changes size (a style sheet arriving late
    on a loaded machine), so this looks for up to five seconds, as a person looking would.
    """
    for _ in range(50):
        box = frame.bounding_box()
        if all(inside(items.nth(i).bounding_box(), box) for i in range(items.count())):
            return True
        page.wait_for_timeout(100)
    return False


def sign_in(page: Any, live_server: Any, user: Any, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_load_state()
