"""Shared fixtures: the territory and one persona per role.

``village`` is the personas' village; ``other_village`` belongs to another commune and is
where ``outsider`` (a village head) works.
"""

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings

from accounts.roles import Role
from tests import clock
from tests.factories import (
    PASSWORD,
    HouseholdFactory,
    LaneFactory,
    ResidentFactory,
    UserFactory,
    VillageFactory,
    membership,
    years_ago,
)

BROKER_AVAILABLE = bool(os.environ.get("REDIS_URL"))
POSTGRES_AVAILABLE = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--travel-to",
        metavar="ISO_MOMENT",
        default=None,
        help="run every test with the clock moved to this moment (local time in Vietnam "
        "unless an offset is given), ticking on from there; see tests/clock.py",
    )


def pytest_report_header(config: pytest.Config) -> str | None:
    moment = config.getoption("--travel-to")
    return f"clock moved to {clock.parse(moment).isoformat()}" if moment else None


def pytest_configure(config: pytest.Config) -> None:
    moment = config.getoption("--travel-to")
    if moment:
        clock.start(moment)
    # Hashing at full strength costs a third of a second per persona and proves nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Uploads go to a folder of the run's own, never into the project's media/.
    import tempfile

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="villageportal-media-")
    settings.DEMO_MAIL_DIR = tempfile.mkdtemp(prefix="villageportal-demo-mail-")
    from django.apps import apps
    from django.db.models.signals import post_migrate

    post_migrate.connect(
        _restore_reference_data,
        sender=apps.get_app_config("reports"),
        dispatch_uid="tests-restore-reference-data",
    )
    _flush_by_delete()


_KEPT_BY_FLUSH = frozenset({"django_content_type", "auth_permission"})


def _flush_by_delete() -> None:
    """On PostgreSQL, a transactional test's flush deletes rows instead of truncating tables.

    Django empties the database after each transactional test with one TRUNCATE of every table,
    which gives each table, index and TOAST table a new file: about three seconds per test here,
    for tables that hold a few rows. DELETE leaves the same empty tables in a few milliseconds.
    Foreign keys are deferred to the end of the flush's transaction (Django makes them
    DEFERRABLE), by which time every row they could point at is gone. A flush that asks for its
    sequences to be reset keeps Django's own statement. Content types and permissions stay:
    they are what the migrations made, and the flush's post_migrate would only make them again.
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(
        self: DatabaseOperations,
        style: Any,
        tables: list[str],
        *,
        reset_sequences: bool = False,
        allow_cascade: bool = False,
    ) -> list[str]:
        if not tables or reset_sequences:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return ["SET CONSTRAINTS ALL DEFERRED"] + [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))}"
            for table in tables
            if table not in _KEPT_BY_FLUSH
        ]

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]


# The data migrations that load reference rows, replayed in order after a flush.
REFERENCE_DATA_MIGRATIONS = (
    "reports.migrations.0002_default_criteria_sets",
    "reports.migrations.0005_national_set_checked_thresholds",
)


def _restore_reference_data(**kwargs: object) -> None:
    """A transactional test empties every table when it ends; Django's flush then sends
    post_migrate, which brings back content types and permissions but not the rows that data
    migrations load (the shipped criteria sets). Without them, the tests that ran after a
    transactional one would see a database no deployment ever has, and pass or fail by the
    order they ran in. This replays those migrations when their rows are missing."""
    import importlib

    from django.apps import apps

    from reports.models import CriteriaSet

    if CriteriaSet.objects.exists():
        return
    for name in REFERENCE_DATA_MIGRATIONS:
        importlib.import_module(name).forwards(apps, None)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _kinds_in_djangos_order(items)
    if BROKER_AVAILABLE and POSTGRES_AVAILABLE:
        return
    reason = (
        "needs a real broker and database: set REDIS_URL and a PostgreSQL DATABASE_URL "
        "(see README, 'Running against PostgreSQL and Redis')"
    )
    for item in items:
        if "broker" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


def _kind(item: pytest.Item) -> int:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(fixtures)
    )
    if transactional:
        return 1
    return 0 if marker or "db" in fixtures else 2


def _kinds_in_djangos_order(items: list[pytest.Item]) -> None:
    """Tests in random order (pytest-randomly), but each kind in Django's order.

    Django runs the tests that roll back their transaction first, then the transactional
    ones, then those without a database, because a transactional test leaves the database
    emptied behind it (``_restore_reference_data`` then puts back what the data migrations
    load). Django's own ``--shuffle`` shuffles within these kinds, and so do
    we: pytest-randomly shuffles the whole list first, and this stable sort puts the kinds
    back in order without undoing the shuffle inside each.
    """
    items.sort(key=_kind)


@pytest.fixture(autouse=True)
def _tasks_in_process(settings: object) -> None:
    """Tasks run in-process unless a test drives a real worker (see the broker tests)."""
    from villageportal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _portal_language() -> None:
    """Each test starts in the portal's language. A request in another language leaves that
    language active in the thread (the middleware activates one per request), and a test
    that runs after it must not inherit it."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate limits live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@dataclass
class World:
    village: object
    other_village: object
    lane: object
    household: object


# Module scope: Playwright's event loop must be gone before other tests use async_to_sync.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, for every test that drives a real browser."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            "Debian's chromium is not installed (apt-get install chromium); .ci/run installs it"
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread while the browser lives; the ORM
    # calls the fixtures and tests make around it are still plain synchronous calls.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            yield browser
            browser.close()


@pytest.fixture
def browser_locale() -> str:
    """The language the phone asks for; a module overrides it to test another."""
    return "en-US"


@pytest.fixture
def page(browser: Any, browser_locale: str) -> Iterator[Any]:
    """A fresh page on a 360-px-wide phone screen."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale=browser_locale)
    yield context.new_page()
    context.close()


@pytest.fixture(autouse=True)
def _no_csp_violations(request: pytest.FixtureRequest) -> Any:
    """Every Chromium test fails on a Content-Security-Policy violation in any of its pages.

    Chromium reports each refused script, style or image on the console; every browser
    context the test opens (through ``page`` or ``browser.new_context``) is watched.
    """
    if "browser" not in request.fixturenames:
        yield
        return
    browser = request.getfixturevalue("browser")
    violations: list[str] = []
    original = browser.new_context

    def new_context(*args: Any, **kwargs: Any) -> Any:
        context = original(*args, **kwargs)
        context.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        return context

    browser.new_context = new_context
    try:
        yield
    finally:
        browser.new_context = original
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def world(db: None) -> World:
    village = VillageFactory(name="Thôn Đông Phú")
    other_village = VillageFactory(name="Thôn Xa Lạ")
    lane = LaneFactory(village=village, name="Ngõ Văn hóa")
    household = HouseholdFactory(lane=lane, village=village, house_number="5A")
    ResidentFactory(household=household, full_name="Nguyễn Văn An", is_head=True)
    ResidentFactory(household=household, full_name="Trần Thị Bình")
    other_lane = LaneFactory(village=other_village, name="Ngõ Khác")
    other_household = HouseholdFactory(lane=other_lane, village=other_village)
    ResidentFactory(household=other_household, full_name="Hồ Văn Khác", is_head=True)
    return World(village, other_village, lane, household)


@pytest.fixture
def village(world: World) -> object:
    return world.village


@pytest.fixture
def other_village(world: World) -> object:
    return world.other_village


def _persona(role: str, village: object, name: str) -> object:
    user = UserFactory(full_name=name)
    membership(user, role, village)
    return user


@pytest.fixture
def village_head(village: object) -> object:
    return _persona(Role.VILLAGE_HEAD, village, "Nguyễn Văn Thành")


@pytest.fixture
def officer(village: object) -> object:
    return _persona(Role.VILLAGE_OFFICER, village, "Trần Thị Hoa")


@pytest.fixture
def digital_team(village: object) -> object:
    return _persona(Role.DIGITAL_TEAM, village, "Lê Minh Tuấn")


@pytest.fixture
def security_officer(village: object) -> object:
    return _persona(Role.SECURITY_OFFICER, village, "Phạm Quang Huy")


@pytest.fixture
def commune_official(village: object) -> object:
    return _persona(Role.COMMUNE_OFFICIAL, village, "Hoàng Thị Lan")


@pytest.fixture
def resident(village: object) -> object:
    return _persona(Role.RESIDENT, village, "Võ Thị Mai")


@pytest.fixture
def outsider(other_village: object) -> object:
    """A village head of another commune's village."""
    return _persona(Role.VILLAGE_HEAD, other_village, "Đặng Văn Hùng")


@pytest.fixture
def family(world: Any) -> dict[str, Any]:
    """World's household 5A: a head of 40, a grandmother of 70, a child of 10, a youth of 16."""
    household = world.household
    head, spouse = list(household.residents.order_by("-is_head", "pk"))
    head.birth_date = years_ago(40)
    head.save()
    spouse.birth_date = years_ago(70)
    spouse.save()
    child = ResidentFactory(
        household=household, full_name="Nguyễn Văn Cường", birth_date=years_ago(10)
    )
    youth = ResidentFactory(
        household=household, full_name="Nguyễn Thị Dung", birth_date=years_ago(16)
    )
    return {"household": household, "head": head, "elder": spouse, "child": child, "youth": youth}


@pytest.fixture
def superuser(db: None) -> object:
    return UserFactory(full_name="Quản trị", is_superuser=True, is_staff=True)


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def output_dir() -> str:
    path = os.path.join(settings.BASE_DIR, "test-output")
    os.makedirs(path, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: object) -> None:
    """The test database relaxes the one-head rule (``households_exactly_one_head``), and
    keeps the run's clock when it is moved (``tests/clock.py``).

    Factories build a household before its members, so most tests would break it between two
    lines; the rule's own tests and the registry's tests turn it back on (``enforce_head_check``).
    """
    if not POSTGRES_AVAILABLE:
        return
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:  # type: ignore[attr-defined]
        name = connection.settings_dict["NAME"]
        cursor.execute(f"ALTER DATABASE \"{name}\" SET villageportal.head_check = 'skip'")
        cursor.execute("SET villageportal.head_check = 'skip'")
        for statement in clock.postgres_statements(name):
            cursor.execute(statement)
    # Pooled connections opened before ALTER DATABASE keep the old settings: start afresh.
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        connection.close()
        if connection.settings_dict["OPTIONS"].get("pool"):
            connection.close_pool()


@pytest.fixture
def enforce_head_check(db: None) -> None:
    """Enforce the one-head rule for this test (PostgreSQL): checked at each constraint check."""
    if not POSTGRES_AVAILABLE:
        return
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL villageportal.head_check = 'enforce'")


def pytest_unconfigure(config: pytest.Config) -> None:
    clock.stop()


@pytest.fixture
def actor_users(
    resident: object,
    village_head: object,
    officer: object,
    digital_team: object,
    security_officer: object,
    commune_official: object,
    outsider: object,
    superuser: object,
) -> dict[str, Any]:
    """The access matrix's actors (``tests.access``) as users; anonymous is None."""
    from tests import access

    return {
        access.ANON: None,
        access.RESIDENT: resident,
        access.HEAD: village_head,
        access.OFFICER: officer,
        access.DIGITAL: digital_team,
        access.SECURITY: security_officer,
        access.COMMUNE: commune_official,
        access.OUTSIDER: outsider,
        access.SUPER: superuser,
    }
