"""Shared fixtures: the territory and one persona per role.

``village`` is the personas' village; ``other_village`` belongs to another commune and is
where ``outsider`` (a village head) works.
"""

import os
from dataclasses import dataclass

import pytest
from django.conf import settings

from accounts.roles import Role
from tests.factories import (
    PASSWORD,
    HouseholdFactory,
    LaneFactory,
    ResidentFactory,
    UserFactory,
    VillageFactory,
    membership,
)

BROKER_AVAILABLE = bool(os.environ.get("REDIS_URL"))
POSTGRES_AVAILABLE = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))


def pytest_configure(config: pytest.Config) -> None:
    # Hashing at full strength costs a third of a second per persona and proves nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Uploads go to a folder of the run's own, never into the project's media/.
    import tempfile

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="villageportal-media-")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if BROKER_AVAILABLE and POSTGRES_AVAILABLE:
        return
    reason = (
        "needs a real broker and database: set REDIS_URL and a PostgreSQL DATABASE_URL "
        "(see README, 'Running against PostgreSQL and Redis')"
    )
    for item in items:
        if "broker" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _tasks_in_process(settings: object) -> None:
    """Tasks run in-process unless a test drives a real worker (see the broker tests)."""
    from villageportal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


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
    """The test database relaxes the one-head rule (``households_exactly_one_head``).

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


@pytest.fixture
def enforce_head_check(db: None) -> None:
    """Enforce the one-head rule for this test (PostgreSQL): checked at each constraint check."""
    if not POSTGRES_AVAILABLE:
        return
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL villageportal.head_check = 'enforce'")
