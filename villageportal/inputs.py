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

import io
import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import load_handler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.template.loader import render_to_string
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


def _multipart_strings(request: HttpRequest) -> Iterator[tuple[str, str]]:
    """The fields and file names of a form with files, parsed from a copy of the body.

    The request's own parsing is left to the view, which may first install its own upload
    handlers (the registry import stops reading at its size limit); the raw body stays
    readable for a webhook that checks a signature over it. Bodies larger than Django's
    in-memory limit are left to the view and its form fields.
    """
    if not _small(request):
        return
    handlers = [load_handler(path, request) for path in settings.FILE_UPLOAD_HANDLERS]
    try:
        post, files = MultiPartParser(
            request.META, io.BytesIO(request.body), handlers, request.encoding
        ).parse()
    except (MultiPartParserError, ValueError):
        return  # not a form the view can read either: it answers that
    for key, values in post.lists():
        yield key, key
        for value in values:
            yield key, value
    for key, uploads in files.lists():
        for upload in uploads:
            yield key, upload.name or ""


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
    if content_type == "application/x-www-form-urlencoded":
        for key, values in request.POST.lists():
            yield key, key
            for value in values:
                yield key, value
    elif content_type == "multipart/form-data":
        yield from _multipart_strings(request)
    elif content_type == "application/json" or content_type.endswith("+json"):
        try:
            document = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
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


class RefuseHostileInputMiddleware:
    """Answer 400 to a request carrying control characters, before any view sees it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for field, text in _request_strings(request):
            if has_forbidden_characters(text):
                return _refusal(request, "" if has_forbidden_characters(field) else field)
        return self.get_response(request)
