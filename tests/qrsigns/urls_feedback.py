"""The portal's routes plus a stand-in for the feedback form, for the "report here" target."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from villageportal.urls import urlpatterns as portal


def report_new(request: HttpRequest, village_id: object) -> HttpResponse:
    return HttpResponse(f"feedback form for {village_id}: {request.GET.urlencode()}")


urlpatterns = [
    path("feedback/<uuid:village_id>/new/", report_new, name="feedback_report_new"),
    *portal,
]
