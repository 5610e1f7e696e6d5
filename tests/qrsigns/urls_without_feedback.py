"""The portal's routes without the feedback app's, for the fallback of "report a problem here"."""

from villageportal.urls import urlpatterns as portal

urlpatterns = [p for p in portal if getattr(p, "urlconf_name", None) != "feedback.urls"]
