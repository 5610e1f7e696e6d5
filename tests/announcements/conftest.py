from collections.abc import Iterator

import pytest

from tests.announcements.fake_gateway import FakeProviders
from tests.announcements.fake_zalo import TOKEN_KEY


@pytest.fixture
def gateway(settings: object) -> Iterator[FakeProviders]:
    with FakeProviders() as fake:
        for name, value in fake.env().items():
            setattr(settings, name, value)
        settings.ANNOUNCEMENTS_TOKEN_KEY = [TOKEN_KEY]  # type: ignore[attr-defined]
        settings.ANNOUNCEMENTS_RETRY_SECONDS = 0  # type: ignore[attr-defined]
        yield fake


def give_phones() -> None:
    """Phone numbers for every resident (SMS and Zalo need them)."""
    from households.models import Resident

    for index, resident in enumerate(Resident.objects.order_by("pk")):
        resident.phone = f"+8498{index:07d}"
        resident.save(update_fields=["phone"])


@pytest.fixture
def world(world: object) -> object:
    """The shared world, with phone numbers for the residents."""
    give_phones()
    return world
