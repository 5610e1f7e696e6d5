"""Error pages in the user's language, rendered without touching the database."""

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def _render(request: HttpRequest, template: str, status: int) -> HttpResponse:
    return HttpResponse(render_to_string(template, request=None), status=status)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _render(request, "403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _render(request, "404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _render(request, "500.html", 500)
