"""QR signs' fields for the processing register (``privacy.registry``)."""

from django.utils.translation import gettext_lazy as _

from privacy.registry import NotPersonal, declare

declare(
    NotPersonal(
        "qrsigns.HeritageSite",
        ("name", "address", "latitude", "longitude"),
        reason=_("A public heritage site"),
    ),
    NotPersonal(
        "qrsigns.HeritageImage", ("image", "alt_text"), reason=_("Published heritage photos")
    ),
    NotPersonal(
        "qrsigns.Sign",
        ("code", "label", "latitude", "longitude"),
        reason=_("A sign on a lane or door; the household it opens is declared in the registry"),
    ),
    NotPersonal(
        "qrsigns.SheetJob",
        ("kinds", "file", "error"),
        reason=_("Printable sheets of signs: codes and house numbers only"),
    ),
)
