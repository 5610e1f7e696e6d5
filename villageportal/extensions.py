"""The points where the village apps plug into shared pages and commands.

Each app of ``PORTAL_APPS`` must provide (the shared templates include them all, so a missing
one fails the page at once):

- ``<app>/templates/<app>/_nav.html``: links in the staff menu (rendered for village staff);
- ``<app>/templates/<app>/_dashboard.html``: tiles on the staff dashboard (context: ``village``,
  ``request``; load the app's own template tags to compute figures);
- ``<app>/templates/<app>/_public_village.html``: a section of the public village home page
  (context: ``village``); it must show nothing personal.

and may provide (looked for at start-up; an app without one is left out):

- ``<app>/templates/<app>/_resident_home.html``: a section of a signed-in resident's home page
  (context: ``me``, the resident linked to the account or ``None``, ``request``); it shows only
  what is the resident's own or addressed to them;
- ``<app>/templates/<app>/_public_lane.html``: a section of a lane's public page, the page its
  QR sign opens (context: ``village``, ``lane``); like the village home, nothing personal;
- ``<app>/demo.py`` with ``seed(villages, stdout)``: called by ``seed_demo`` in the order below,
  after the registry and the demo users exist; idempotent;
- ``<app>/measures.py``: indicator measures registered with ``reports.registry.register``
  (imported by the reports app at start-up).
"""

from importlib import import_module
from pathlib import Path
from typing import Any

from django.http import HttpRequest

# Order matters for the demo: later apps may use the data of earlier ones.
PORTAL_APPS = ("qrsigns", "feedback", "announcements", "cameras", "payments", "reports")

PARTIALS = {
    kind: tuple(f"{app}/_{kind}.html" for app in PORTAL_APPS)
    for kind in ("nav", "dashboard", "public_village")
}


def _provided(kind: str) -> tuple[str, ...]:
    """The optional partials of one kind, from the apps that have one."""
    found = []
    for app in PORTAL_APPS:
        folder = Path(import_module(app).__file__ or "").parent
        if (folder / "templates" / app / f"_{kind}.html").is_file():
            found.append(f"{app}/_{kind}.html")
    return tuple(found)


PARTIALS["resident_home"] = _provided("resident_home")
PARTIALS["public_lane"] = _provided("public_lane")


def app_partials(request: HttpRequest) -> dict[str, Any]:
    """Template context processor: the apps' partial templates, by kind."""
    return {"APP_PARTIALS": PARTIALS}
