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
