"""The portal's routes without the feedback app's, for the fallback of "report a problem here"."""

from villageportal.urls import urlpatterns as portal


def _module(pattern: object) -> str:
    name = getattr(pattern, "urlconf_name", None)
    return getattr(name, "__name__", name) or ""


urlpatterns = [p for p in portal if _module(p) != "feedback.urls"]
