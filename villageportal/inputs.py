"""What comes in from outside: text without control characters, numbers that are finite.

Text from a browser, the API, Open311 or a webhook never needs a control character other than
tab and a line break (browsers send line breaks as CR LF), and a NUL byte or a lone surrogate
cannot even be stored in PostgreSQL. ``RefuseHostileInputMiddleware`` checks every request at
the door (path, query string, form fields, uploaded file names, JSON bodies) and answers 400
with a message in the user's language before any view runs, so no view, form, serializer or
webhook has to remember it. Files (imports) are checked by their readers with
``validate_text``.

Numbers are a field's business: Django's and DRF's number fields already refuse NaN and the
infinities; code that reads a number itself goes through ``finite_decimal``.
"""

import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

# C0 controls but tab, LF and CR; DEL; the C1 controls; lone surrogates (not valid UTF-8).
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def has_forbidden_characters(value: str) -> bool:
    return FORBIDDEN_CHARACTERS.search(value) is not None


def _message() -> str:
    return _("The text contains control characters that are not allowed.")


def validate_text(value: Any) -> None:
    """A validator: refuse control characters (tab and line breaks are fine)."""
    if isinstance(value, str) and has_forbidden_characters(value):
        raise ValidationError(_message(), code="control_characters")


def finite_decimal(value: Any, *, message: str | None = None) -> Decimal | None:
    """``value`` as a finite Decimal, None when empty; ValidationError for anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise ValidationError(message or _("Enter a number."), code="invalid")
    return number


def _strings(value: Any) -> Iterator[str]:
    """Every string in a parsed JSON document, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _small(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return limit is None or length <= limit


def _request_strings(request: HttpRequest) -> Iterator[tuple[str, str]]:
    """(field name, text) of everything a request carries, for the checks at the door."""
    yield "path", request.path_info
    for key, values in request.GET.lists():
        yield key, key
        for value in values:
            yield key, value
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if content_type == "multipart/form-data" and _small(request):
            # Read the raw body first, so that a view that checks a signature over it (a
            # webhook) can still read it once the form is parsed; large uploads are parsed
            # from the stream as usual.
            request.body  # noqa: B018
        for key, values in request.POST.lists():
            yield key, key
            for value in values:
                yield key, value
        for key, files in request.FILES.lists():
            for upload in files:
                yield key, upload.name or ""
    elif content_type == "application/json" or content_type.endswith("+json"):
        try:
            document = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError, RecursionError):
            return  # not JSON at all: the view answers that
        if isinstance(document, dict):
            for key, item in document.items():
                for text in _strings({key: item}):
                    yield str(key), text
        else:
            for text in _strings(document):
                yield "", text


def _refusal(request: HttpRequest, field: str) -> HttpResponse:
    message = _message()
    if field and field != "path":
        message = _("%(field)s: %(message)s") % {"field": field, "message": message}
    path = request.path_info
    if path.startswith("/open311/"):
        if path.endswith(".xml"):
            body = (
                '<?xml version="1.0" encoding="utf-8"?><errors><error><code>400</code>'
                f"<description>{escape(message)}</description></error></errors>"
            )
            return HttpResponse(body, status=400, content_type="text/xml; charset=utf-8")
        return JsonResponse([{"code": 400, "description": message}], status=400, safe=False)
    if path.startswith("/api/") or "json" in (request.content_type or ""):
        return JsonResponse({"detail": message}, status=400)
    html = render_to_string("400.html", {"message": message})
    return HttpResponse(html, status=400)


def refusal_for(request: HttpRequest) -> HttpResponse | None:
    """The 400 answer for a request carrying control characters, or None if it is clean."""
    for field, text in _request_strings(request):
        if has_forbidden_characters(text):
            return _refusal(request, "" if has_forbidden_characters(field) else field)
    return None


def reads_its_upload(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view that sets its own upload handlers (a size limit that stops reading a file
    too large before it is stored), or refuses a body by its length: the door leaves a
    multipart body, or any body larger than it would read, unread, and the view calls
    ``refusal_for`` once its handlers are in place."""
    view.reads_its_upload = True  # type: ignore[attr-defined]
    return view


def _view_reads_its_upload(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return bool(getattr(match.func, "reads_its_upload", False))


class RefuseHostileInputMiddleware:
    """Answer 400 to a request carrying control characters, before any view sees it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # A view that reads its own body also gets the bodies too large to check here (it
        # refuses them by their length, as a webhook does, before anything reads them).
        if (
            request.content_type == "multipart/form-data" or not _small(request)
        ) and _view_reads_its_upload(request):
            return self.get_response(request)
        return refusal_for(request) or self.get_response(request)
