"""The portal's routes plus the framework's floor: a fixed short page through the same stack.

Only the lane-page benchmark loads this module; it is not part of the portal's routes.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from villageportal.urls import urlpatterns as portal

FIXED = (
    b'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Floor</title></head>'
    b"<body><h1>Floor</h1><p>A fixed short page.</p></body></html>"
)


def floor(request: HttpRequest) -> HttpResponse:
    return HttpResponse(FIXED, content_type="text/html; charset=utf-8")


urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *portal]
