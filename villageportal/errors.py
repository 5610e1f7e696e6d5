"""Error pages in the user's language, rendered without touching the database."""

import sys

from django.db import OperationalError as DjangoOperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

# Seconds a client is asked to wait when every database connection is busy.
RETRY_AFTER_SECONDS = 10


def _render(request: HttpRequest, template: str, status: int) -> HttpResponse:
    return HttpResponse(render_to_string(template, request=None), status=status)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _render(request, "403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _render(request, "404.html", 404)


def database_busy(exc: BaseException | None) -> bool:
    """Whether ``exc`` says that no database connection could be had right now: the pool had
    none free in time, too many requests were already waiting for one, or the server refused
    a new connection. These pass; the request can be tried again."""
    from psycopg import OperationalError as PsycopgOperationalError
    from psycopg_pool import PoolTimeout, TooManyRequests

    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, PoolTimeout | TooManyRequests):
            return True
        refused = isinstance(exc, DjangoOperationalError | PsycopgOperationalError)
        if refused and "too many clients" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def server_error(request: HttpRequest) -> HttpResponse:
    if database_busy(sys.exc_info()[1]):
        response = _render(request, "503.html", 503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return _render(request, "500.html", 500)
