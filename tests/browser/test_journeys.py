"""The first day of each role, in Chromium, on a phone (360 by 740 px) and a laptop
(1366 by 768 px).

Each journey signs in through the form, lands on the role's home and opens the pages of that
role's work through the menu a person would use, checking on every page what the person sees:
the page's own figures and names, never an error page, nothing wider than a phone screen, no
English word in a Vietnamese page, and every link of the menu opening without a refusal.
Screenshots go to test-output/journeys/.
"""

import os
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cameras.models import CameraState, Status
from tests.announcements.factories import AnnouncementFactory
from tests.browser.checks import (
    LAPTOP,
    PHONE,
    english_words,
    error_page,
    shot,
    sideways_overflow,
    sign_in,
)
from tests.cameras.factories import CameraFactory
from tests.factories import HouseholdFactory, LaneFactory, ResidentFactory, VillageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["360px", "1366px"])


@pytest.fixture
def browser_locale() -> str:
    return "vi-VN"


class Journey:
    """One person's walk through the portal: every page opened is checked the same way."""

    def __init__(self, browser: Any, base_url: str, viewport: dict, folder: str, who: str):
        self.context = browser.new_context(viewport=viewport, locale="vi-VN")
        self.page = self.context.new_page()
        self.base_url = base_url
        self.width = viewport["width"]
        self.folder = folder
        self.who = who
        self.problems: list[str] = []
        self.step = 0

    def sign_in(self, login: str, password: str) -> None:
        sign_in(self.page, self.base_url, login, password)
        self.check("home")

    def open(self, path: str, name: str) -> Any:
        response = self.page.goto(self.base_url + path)
        if response is not None and response.status >= 400:
            self.problems.append(f"{path}: HTTP {response.status}")
        self.check(name)
        return self.page

    @property
    def path(self) -> str:
        return self.page.url.removeprefix(self.base_url)

    def check(self, name: str) -> None:
        page = self.page
        if error := error_page(page):
            self.problems.append(f"{self.path}: error page {error!r}")
        if self.width <= 360 and (overflow := sideways_overflow(page)) > 0:
            self.problems.append(f"{self.path}: {overflow}px wider than the phone screen")
        if words := english_words(page):
            self.problems.append(f"{self.path}: English words {words}")
        self.step += 1
        shot(page, self.folder, f"{self.who}-{self.width}px-{self.step:02d}-{name}")

    def menu_links(self) -> list[str]:
        return self.page.eval_on_selector_all(
            "nav.menu__panel a[href^='/']", "links => links.map(a => a.getAttribute('href'))"
        )

    def every_menu_link_opens(self) -> list[str]:
        """Open each link of the menu: none may refuse the person it is offered to."""
        links = self.menu_links()
        for href in links:
            response = self.page.goto(self.base_url + href)
            status = response.status if response is not None else 0
            if status >= 400 or error_page(self.page):
                self.problems.append(f"menu link {href}: HTTP {status}")
        return links

    def text(self, selector: str = "main") -> str:
        return self.page.locator(selector).first.inner_text()

    def finish(self) -> None:
        """The journey's end: every page it opened must have passed the checks."""
        self.context.close()
        assert not self.problems, f"{self.who} at {self.width}px:\n" + "\n".join(self.problems)


@pytest.fixture
def journey(browser: Any, live_server: Any, output_dir: str, viewport: dict) -> Any:
    folder = os.path.join(output_dir, "journeys")
    started: list[Journey] = []

    def start(who: str) -> Journey:
        journey = Journey(browser, live_server.url, viewport, folder, who)
        started.append(journey)
        return journey

    yield start
    for journey in started:
        journey.context.close()


def _report(village: Any, description: str) -> Any:
    from feedback import services
    from feedback.models import Category

    services.categories_ensure_defaults(village=village)
    return services.report_submit(
        village=village,
        submission=services.Submission(
            category=Category.objects.filter(village=village).first(),
            description=description,
            answers={},
            lane=None,
            latitude=None,
            longitude=None,
        ),
        photos=[],
    )


@VIEWPORTS
def test_the_village_heads_first_day(
    journey: Any, world: Any, village_head: Any, password: str, viewport: dict
) -> None:
    report = _report(world.village, "Cột điện trước nhà văn hóa bị nghiêng")
    me = journey("village-head")

    me.sign_in(village_head.email, password)
    assert me.path == "/dashboard/"
    assert world.village.name in me.text("h1")
    assert me.text("[data-testid=count-households]") == "1"
    assert me.text("[data-testid=count-residents]") == "2"

    me.open("/registry/households/", "households")
    assert "5A" in me.text()
    me.open(f"/registry/households/{world.household.pk}/", "household")
    members = me.text("[data-testid=members]")
    assert "Nguyễn Văn An" in members and "Trần Thị Bình" in members

    me.open("/feedback/", "feedback-list")
    assert report.tracking_code in me.text() or "Cột điện" in me.text()
    me.open(f"/feedback/reports/{report.pk}/", "feedback-report")
    assert "Cột điện trước nhà văn hóa bị nghiêng" in me.text()

    me.open("/announcements/manage/new/", "announcement-compose")
    assert me.page.locator("main form").count() >= 1
    me.open("/team/invitations/", "team")
    assert "Gửi thư mời" in me.text() and "Chưa có thư mời nào." in me.text()

    links = me.every_menu_link_opens()
    assert "/team/invitations/" in links and "/adoption/" in links
    me.finish()


@VIEWPORTS
def test_the_residents_first_day(
    journey: Any, world: Any, resident: Any, password: str, viewport: dict
) -> None:
    member = world.household.residents.get(full_name="Trần Thị Bình")
    member.account = resident
    member.save()
    AnnouncementFactory(
        village=world.village,
        title="Họp thôn tối thứ Sáu",
        status="sent",
        sent_at=timezone.now(),
        channels=["web"],
    )
    me = journey("resident")

    me.sign_in(resident.email, password)
    assert me.path == "/"
    assert me.text("h1") == "Xin chào, Võ Thị Mai"
    assert "5A" in me.text("[data-testid=home-household]")
    assert world.village.name in me.text("[data-testid=home-office]")

    me.open("/my-household/", "my-household")
    assert "Nguyễn Văn An" in me.text() and "Trần Thị Bình" in me.text()
    me.open("/announcements/mine/", "my-announcements")
    me.open(f"/announcements/village/{world.village.pk}/", "village-announcements")
    assert "Họp thôn tối thứ Sáu" in me.text()
    me.open("/feedback/mine/", "my-reports")

    me.open("/", "home-again")
    with me.page.expect_navigation():
        me.page.locator("[data-testid=home-office] a.button").click()
    me.check("feedback-form")
    assert me.path == f"/feedback/{world.village.pk}/new/"

    links = me.every_menu_link_opens()
    assert "/my-household/" in links and "/dashboard/" not in links
    me.finish()


@VIEWPORTS
def test_the_digital_team_members_first_day(
    journey: Any, world: Any, digital_team: Any, password: str, viewport: dict
) -> None:
    me = journey("digital-team")

    me.sign_in(digital_team.email, password)
    assert me.path == "/dashboard/"
    assert world.village.name in me.text("h1")

    me.open("/adoption/", "door-to-door")
    assert "Ngõ Văn hóa" in me.text()
    me.open(f"/adoption/households/{world.household.pk}/", "checklist")
    assert "5A" in me.text()
    me.open("/registry/households/", "households")
    assert "5A" in me.text()
    me.open("/adoption/figures/", "figures")

    links = me.every_menu_link_opens()
    assert "/adoption/" in links and "/team/invitations/" not in links
    me.finish()


@VIEWPORTS
def test_the_commune_officials_first_day(
    journey: Any, world: Any, commune_official: Any, password: str, viewport: dict
) -> None:
    neighbour = VillageFactory(name="Thôn Bắc Hà", commune=world.village.commune)
    lane = LaneFactory(village=neighbour, name="Xóm Giữa")
    for number in ("1", "2"):
        household = HouseholdFactory(lane=lane, village=neighbour, house_number=number)
        ResidentFactory(household=household, full_name=f"Lê Văn Số {number}", is_head=True)
    me = journey("commune-official")

    me.sign_in(commune_official.email, password)
    landing = me.text()
    assert "Thôn Đông Phú" in landing and "Thôn Bắc Hà" in landing

    me.open(f"/reports/communes/{world.village.commune.pk}/", "commune-report")
    comparison = me.text()
    assert "Thôn Đông Phú" in comparison and "Thôn Bắc Hà" in comparison
    assert "Thôn Xa Lạ" not in comparison
    me.open("/reports/", "criteria")
    me.open("/registry/households/", "households")

    links = me.every_menu_link_opens()
    assert "/adoption/" not in links
    me.finish()


@VIEWPORTS
def test_the_security_officers_first_day(
    journey: Any, world: Any, security_officer: Any, password: str, viewport: dict
) -> None:
    down = CameraFactory(village=world.village, name="Cổng làng")
    CameraFactory(village=world.village, name="Nhà văn hóa")
    CameraState.objects.filter(camera=down).update(
        status=Status.OFFLINE, status_since=timezone.now() - timedelta(minutes=9)
    )
    me = journey("security-officer")

    me.sign_in(security_officer.email, password)
    assert me.path == "/dashboard/"

    me.open("/cameras/", "cameras")
    cameras = me.text()
    assert "Cổng làng" in cameras and "Nhà văn hóa" in cameras
    me.open(f"/cameras/{down.pk}/", "camera")
    assert "Cổng làng" in me.text("h1")
    me.open("/cameras/map/", "camera-map")
    me.open("/registry/households/", "households")
    assert "5A" in me.text()
    me.open("/feedback/", "feedback")

    links = me.every_menu_link_opens()
    assert "/cameras/" in links
    assert "/adoption/" not in links and "/team/invitations/" not in links
    me.finish()
