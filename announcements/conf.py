"""The app's settings, read from Django's settings (``villageportal/settings.py`` reads the
environment for them)."""

from typing import Any

from django.conf import settings


def setting(name: str) -> Any:
    return getattr(settings, name)
