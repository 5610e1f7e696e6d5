"""The Vietnamese catalogues agree with each other.

Django merges the project's catalogue and every app's into one: where two catalogues
translate the same text differently, only one translation is shown (the project's, then the
first app in ``INSTALLED_APPS``), and the other app silently shows the wrong words. Such texts
need a context (``pgettext``/``{% translate "..." context "..." %}``) in one of the apps.
"""

import gettext
from collections import defaultdict
from pathlib import Path

from django.conf import settings


def _catalogues() -> dict[str, dict[str, str]]:
    base = Path(settings.BASE_DIR)
    files = [base / "locale/vi/LC_MESSAGES/django.mo"]
    files += sorted(base.glob("*/locale/vi/LC_MESSAGES/django.mo"))
    catalogues = {}
    for path in files:
        with path.open("rb") as handle:
            catalogue = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
        catalogues[str(path.relative_to(base)).split("/")[0]] = {
            key: value for key, value in catalogue.items() if isinstance(key, str) and key
        }
    return catalogues


def test_every_app_has_a_compiled_catalogue() -> None:
    found = set(_catalogues())
    for app in ("qrsigns", "feedback", "announcements", "cameras", "payments", "reports"):
        assert app in found, app


def test_no_text_is_translated_two_ways() -> None:
    translations: dict[str, dict[str, str]] = defaultdict(dict)
    for name, catalogue in _catalogues().items():
        for msgid, msgstr in catalogue.items():
            translations[msgid][name] = msgstr
    clashes = {
        msgid: by_catalogue
        for msgid, by_catalogue in translations.items()
        if len(set(by_catalogue.values())) > 1
    }
    assert not clashes, "\n".join(f"{k!r}: {v}" for k, v in sorted(clashes.items()))
