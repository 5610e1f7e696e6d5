"""The village feed against RFC 4287 (the Atom Syndication Format), read by parsers that know
nothing of the portal: the standard library's strict XML parser for the RFC's required
elements, and feedparser, which must find nothing to complain about (``bozo`` 0)."""

import re
from xml.etree import ElementTree as ET

import feedparser
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.announcements.factories import AnnouncementFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
# RFC 4287 section 3.3: an RFC 3339 date-time, with an uppercase "T" and "Z".
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")
IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")  # section 4.2.6: an absolute IRI
BASE = "https://thon.example.vn"


def _one(parent: ET.Element, name: str) -> ET.Element:
    found = parent.findall(ATOM + name)
    assert len(found) == 1, f"{parent.tag} has {len(found)} atom:{name}"
    return found[0]


def _at_most_one(parent: ET.Element, name: str) -> None:
    assert len(parent.findall(ATOM + name)) <= 1, f"{parent.tag} repeats atom:{name}"


def _text_construct(element: ET.Element) -> None:
    """Section 3.1: type is text, html or xhtml; a text construct has no child elements."""
    kind = element.get("type", "text")
    assert kind in ("text", "html", "xhtml")
    if kind == "text":
        assert len(element) == 0


def _person(element: ET.Element) -> None:
    """Section 3.2: exactly one atom:name, at most one atom:uri and one atom:email."""
    assert (_one(element, "name").text or "").strip()
    _at_most_one(element, "uri")
    _at_most_one(element, "email")


def _date(element: ET.Element) -> None:
    assert DATE_TIME.fullmatch(element.text or ""), element.text


def check_rfc4287(body: bytes) -> ET.Element:
    """The RFC's MUSTs for atom:feed (4.1.1) and atom:entry (4.1.2)."""
    feed = ET.fromstring(body)  # noqa: S314 (our own output)
    assert feed.tag == ATOM + "feed"
    assert IRI.fullmatch(_one(feed, "id").text or "")
    _text_construct(_one(feed, "title"))
    _date(_one(feed, "updated"))
    for name in ("generator", "icon", "logo", "rights", "subtitle"):
        _at_most_one(feed, name)
    feed_authors = feed.findall(ATOM + "author")
    for author in feed_authors:
        _person(author)
    for link in feed.iter(ATOM + "link"):
        assert link.get("href")
    alternates = [
        (link.get("type"), link.get("hreflang"))
        for link in feed.findall(ATOM + "link")
        if link.get("rel", "alternate") == "alternate"
    ]
    assert len(alternates) == len(set(alternates))
    entries = feed.findall(ATOM + "entry")
    for entry in entries:
        assert IRI.fullmatch(_one(entry, "id").text or "")
        _text_construct(_one(entry, "title"))
        _date(_one(entry, "updated"))
        for name in ("content", "published", "rights", "source", "summary"):
            _at_most_one(entry, name)
        for name in ("published",):
            for element in entry.findall(ATOM + name):
                _date(element)
        for element in entry.findall(ATOM + "summary"):
            _text_construct(element)
        authors = entry.findall(ATOM + "author")
        for author in authors:
            _person(author)
        assert authors or feed_authors, "no atom:author for the entry"
        if entry.find(ATOM + "content") is None:
            assert any(
                link.get("rel", "alternate") == "alternate" for link in entry.findall(ATOM + "link")
            ), "an entry without content needs a link to its alternate"
    if entries and not feed_authors:
        assert all(entry.findall(ATOM + "author") for entry in entries)
    return feed


def _feed(client: Client, village, **extra) -> bytes:
    response = client.get(reverse("village_announcements_feed", args=[village.pk]), **extra)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return response.content


def _strict(body: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


@pytest.fixture
def base_url(settings):
    settings.PORTAL_BASE_URL = BASE + "/"
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    return BASE


def test_the_feed_meets_rfc_4287_and_a_strict_parser(client, world, base_url) -> None:
    AnnouncementFactory(
        village=world.village,
        title="Lịch phun thuốc",
        body="Phun thuốc muỗi vào sáng thứ Bảy.",
        status="sent",
        sent_at=timezone.now(),
    )
    body = _feed(client, world.village)
    feed = check_rfc4287(body)
    assert len(feed.findall(ATOM + "entry")) == 1
    entry = feed.find(ATOM + "entry")
    assert _one(entry, "author").find(ATOM + "name").text == "Thôn Đông Phú"
    assert _one(feed, "author").find(ATOM + "name").text == "Thôn Đông Phú"
    parsed = _strict(body)
    assert parsed.feed.author == "Thôn Đông Phú"
    item = parsed.entries[0]
    assert item.title == "Lịch phun thuốc"
    assert item.updated_parsed is not None and item.author == "Thôn Đông Phú"


def test_an_empty_feed_is_still_complete(client, world, base_url) -> None:
    body = _feed(client, world.village)
    check_rfc4287(body)
    _strict(body)


def test_ids_come_from_the_configured_address_not_the_host_header(client, world, base_url) -> None:
    public = AnnouncementFactory(
        village=world.village, title="Họp thôn", status="sent", sent_at=timezone.now()
    )
    first = check_rfc4287(_feed(client, world.village))
    second = check_rfc4287(_feed(client, world.village, HTTP_HOST="other.example"))

    def ids(feed: ET.Element) -> list[str]:
        return [feed.find(ATOM + "id").text] + [
            entry.find(ATOM + "id").text for entry in feed.findall(ATOM + "entry")
        ]

    assert ids(first) == ids(second)
    assert ids(first)[1] == BASE + reverse("announcement_public", args=[public.public_code])
    assert all(value.startswith(BASE + "/") for value in ids(first))
    assert "other.example" not in _feed(client, world.village, HTTP_HOST="other.example").decode()


def test_the_text_a_staff_member_typed_is_sent_as_text(client, world, base_url) -> None:
    typed = "Giá <b>5.000đ</b> & phí > 2 — không phải HTML"
    AnnouncementFactory(
        village=world.village, title="Giá <mới>", body=typed, status="sent", sent_at=timezone.now()
    )
    body = _feed(client, world.village)
    summary = check_rfc4287(body).find(f"{ATOM}entry/{ATOM}summary")
    assert summary.get("type") == "text"
    assert summary.text == typed
    entry = _strict(body).entries[0]
    assert entry.summary_detail.type == "text/plain"
    assert entry.summary == typed
    assert entry.title == "Giá <mới>"


def test_characters_xml_forbids_never_reach_the_feed(client, world, base_url) -> None:
    AnnouncementFactory(
        village=world.village,
        title="Họp\x07 thôn\x00",
        body="Dòng một\x0bdòng hai\ufffe\x1f.\nDòng ba\tcó tab.",
        status="sent",
        sent_at=timezone.now(),
    )
    body = _feed(client, world.village)
    check_rfc4287(body)
    entry = _strict(body).entries[0]
    assert entry.title == "Họp thôn"
    assert entry.summary == "Dòng mộtdòng hai.\nDòng ba\tcó tab."
