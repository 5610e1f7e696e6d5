"""Every page in Vietnamese speaks Vietnamese: no English left by Django or a library.

The pages of the access matrix are fetched, in Vietnamese, by someone allowed to see them (a
village head, or a visitor for public pages), with a world in which the strings that only show
up with data (durations, statuses) have something to print. The visible text is searched for
English words that Vietnamese never uses; a page that prints one fails the test.
"""

import re
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cameras.models import CameraState, Status
from tests.access import ANON, HEAD
from tests.cameras.factories import CameraFactory
from tests.test_access_matrix import ROUTES, _url, rule_for

pytestmark = pytest.mark.django_db

# Words of English UI text (Django's and libraries' own strings) that are not Vietnamese words.
ENGLISH = re.compile(
    r"\b(the|and|of|with|your|you|this|are|is|not|please|minutes?|hours?|days?|weeks?|"
    r"months?|years?|ago|field|required|enter|valid|submit|save|delete|cancel|next|"
    r"previous|search|password|none|yes|true|false|null|choose|select|show|sign|login|"
    r"logout|today|yesterday|tomorrow|january|february|march|april|june|july|august|"
    r"september|october|november|december|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday)\b",
    re.IGNORECASE,
)


class _VisibleText(HTMLParser):
    """The text a reader sees, without scripts, styles, code and parts marked as English."""

    SKIP = {"script", "style", "code", "pre", "template", "svg"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        english = not (dict(attrs).get("lang") or "vi").startswith("vi")
        nested = bool(self._skipping) and tag == self._skipping[-1]
        if tag in self.SKIP or english or nested:
            self._skipping.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and tag == self._skipping[-1]:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def test_the_visible_text_leaves_out_scripts_and_english_parts() -> None:
    html = (
        '<p>Xin chào <script>var the = 1;</script><a lang="en" href="#">English</a>'
        "<span>3 minutes</span></p>"
    )
    assert visible_text(html) == "Xin chào 3 minutes"
    assert ENGLISH.findall(visible_text(html)) == ["minutes"]


def test_every_page_speaks_vietnamese(world: Any, village_head: Any) -> None:
    now = timezone.now()
    camera = CameraFactory(village=world.village, name="Cổng làng")
    CameraState.objects.filter(camera=camera).update(
        status=Status.OFFLINE,
        status_since=now - timedelta(minutes=9),
        last_ok_at=now - timedelta(days=12, hours=3),
    )
    ctx = {
        "village": world.village,
        "lane": world.lane,
        "household": world.household,
        "other_village": world.other_village,
    }
    head = Client(headers={"accept-language": "vi"})
    head.force_login(village_head)
    visitor = Client(headers={"accept-language": "vi"})
    failures, seen = [], 0
    for route in ROUTES:
        rule = rule_for(route)
        if rule is None or rule.method != "GET" or rule.api or rule.admin or rule.login_flow:
            continue
        client = visitor if ANON in rule.allowed else head if HEAD in rule.allowed else None
        if client is None:
            continue
        url = _url(route, rule, ctx)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        seen += 1
        words = sorted(set(ENGLISH.findall(visible_text(response.content.decode()))))
        if words:
            failures.append(f"{url}: {', '.join(words)}")
    assert seen > 50, f"only {seen} pages were read"
    assert not failures, "English words on Vietnamese pages:\n" + "\n".join(failures)
