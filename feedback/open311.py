"""Open311 GeoReport v2: discovery, services, service definitions, requests (list, create, one)
and tokens, in XML and JSON.

The jurisdiction is the village: ``jurisdiction_id`` is its UUID. Reading is open; creating a
request takes an ``api_key`` issued by the village's staff. Responses carry public fields only:
never the reporter's contact, and their name only where they chose to show it.

Requests are created at once, so a POST answers with the ``service_request_id`` and never with
a ``token`` (the specification returns one or the other). ``tokens/{token}`` resolves the
tracking code a reporter was given to the public id of their request. Every XML document is
written through ``villageportal.xmltext.XMLWriter``, so it is well formed whatever is stored.
"""

import io
import math
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

import requests as http
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods
from PIL import Image

from feedback import limits, services
from feedback.models import OPEN_STATUSES, ApiKey, Category, Event, Photo, Report, contact_hash
from feedback.photos import ProcessedPhoto
from households.models import Household, Village
from villageportal import images
from villageportal.forms import error_text
from villageportal.xmltext import XMLWriter

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this endpoint's behaviour last changed (the discovery document's ``changeset``).
CHANGESET = "2026-12-07T00:00:00+07:00"
LIST_LIMIT = 1000
MAX_SPAN = timedelta(days=90)  # the longest start_date..end_date, and the default window
STATUSES = ("open", "closed")
MEDIA_TIMEOUT = (3, 10)  # seconds to connect, to read
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# In XML a list is an element holding one element per item, named in the singular.
ITEM_NAMES = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


# Writing ---------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _element(writer: XMLWriter, name: str, value: Any) -> None:
    if isinstance(value, list):
        writer.startElement(name, {})
        for item in value:
            _element(writer, ITEM_NAMES[name], item)
        writer.endElement(name)
    elif isinstance(value, dict):
        writer.startElement(name, {})
        for key, item in value.items():
            _element(writer, key, item)
        writer.endElement(name)
    else:
        writer.addQuickElement(name, _text(value))


def _render(data: Any, fmt: str, root: str, item: str = "", status: int = 200) -> HttpResponse:
    """``data`` (a list of ``item`` objects, or one object) as JSON or as XML under ``root``."""
    if fmt == "json":
        return JsonResponse(
            data,
            status=status,
            safe=False,
            content_type=CONTENT_TYPES["json"],
            json_dumps_params={"ensure_ascii": False},
        )
    out = io.StringIO()
    writer = XMLWriter(out, "UTF-8", short_empty_elements=True)
    writer.startDocument()
    if isinstance(data, list):
        writer.startElement(root, {})
        for entry in data:
            _element(writer, item, entry)
        writer.endElement(root)
    else:
        _element(writer, root, data)
    writer.endDocument()
    return HttpResponse(
        out.getvalue().encode("utf-8"), status=status, content_type=CONTENT_TYPES["xml"]
    )


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _render([{"code": status, "description": description}], fmt, "errors", "error", status)


def _iso(value: Any) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


# Reading the request ---------------------------------------------------------------------------


def _param(request: HttpRequest, name: str) -> str:
    return (request.POST.get(name) if request.method == "POST" else None) or request.GET.get(
        name, ""
    )


def _village(request: HttpRequest) -> Village:
    """The jurisdiction: 400 when jurisdiction_id is missing, 404 when it names no village."""
    raw = _param(request, "jurisdiction_id").strip()
    if not raw:
        raise Open311Error(400, _("Give jurisdiction_id: the UUID of a village of the portal."))
    try:
        village = Village.objects.current().filter(pk=raw).first()
    except (ValidationError, ValueError):
        village = None
    if village is None:
        raise Open311Error(404, _("jurisdiction_id names no village of the portal."))
    return village


def _moment(request: HttpRequest, name: str) -> datetime | None:
    """A W3C date and time with its time zone (2026-11-05T08:15:30+07:00 or ...Z)."""
    raw = request.GET.get(name, "").strip().replace(" ", "+")
    if not raw:
        return None
    try:
        moment = parse_datetime(raw)
    except ValueError:  # well formed but not a real date, such as 2026-13-45
        moment = None
    if moment is None:
        raise Open311Error(
            400,
            _("%(name)s is not a date and time such as 2026-11-05T08:15:30+07:00.")
            % {"name": name},
        )
    if timezone.is_naive(moment):
        raise Open311Error(
            400,
            _("%(name)s needs its time zone: Z or an offset such as +07:00.") % {"name": name},
        )
    return moment


def _window(request: HttpRequest) -> tuple[datetime, datetime]:
    """The requested_datetime range: at most 90 days; the last 90 days when none is given."""
    start, end = _moment(request, "start_date"), _moment(request, "end_date")
    if start is not None and end is not None:
        if end < start:
            raise Open311Error(400, _("end_date is before start_date."))
        if end - start > MAX_SPAN:
            raise Open311Error(400, _("start_date and end_date may not span more than 90 days."))
        return start, end
    if start is not None:
        return start, start + MAX_SPAN
    if end is not None:
        return end - MAX_SPAN, end
    now = timezone.now()
    return now - MAX_SPAN, now


def _statuses(request: HttpRequest) -> set[str]:
    raw = request.GET.get("status", "").strip()
    wanted = {value.strip() for value in raw.split(",") if value.strip()} if raw else set()
    unknown = wanted - set(STATUSES)
    if unknown:
        raise Open311Error(
            400,
            _("status is open, closed or both (comma-separated), not %(value)s.")
            % {"value": ", ".join(sorted(unknown))},
        )
    return wanted


# Views -----------------------------------------------------------------------------------------


def _answering(view: Any) -> Any:
    """Turn an Open311Error raised by ``view`` into the specification's ``errors`` body."""

    def wrapped(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as error:
            return _error(fmt, error.status, error.description)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def base_url() -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + "/open311/v2/"


@require_GET
@_answering
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    """The service discovery document: where the GeoReport v2 endpoint is, in which formats."""
    data = {
        "changeset": CHANGESET,
        "contact": _("The village head of each village (trưởng thôn), through the portal."),
        "key_service": _(
            "An api_key for creating requests is issued by a village's staff, on the "
            "portal's feedback settings page."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base_url().rstrip("/"),
                "changeset": CHANGESET,
                "type": "test" if settings.DEBUG else "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return _render(data, fmt, "discovery")


def _service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": bool(category.live_questions()),
        "type": "realtime",
        "keywords": "",
        "group": "",
    }


@require_GET
@_answering
def services_list(request: HttpRequest, fmt: str) -> HttpResponse:
    village = _village(request)
    services.categories_ensure_defaults(village=village)
    rows = [_service(c) for c in Category.objects.filter(village=village, active=True)]
    return _render(rows, fmt, "services", "service")


@require_GET
@_answering
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    village = _village(request)
    category = Category.objects.filter(village=village, active=True, code=code).first()
    if category is None:
        raise Open311Error(404, _("No service has the code %(code)s.") % {"code": code})
    attributes = [
        {
            "variable": True,
            "code": q["key"],
            "datatype": "string",
            "required": bool(q.get("required")),
            "datatype_description": "",
            "order": order,
            "description": q["label"],
        }
        for order, q in enumerate(category.live_questions(), start=1)
    ]
    return _render(
        {"service_code": category.code, "attributes": attributes}, fmt, "service_definition"
    )


def _request(report: Report, request: HttpRequest) -> dict[str, Any]:
    last = next(
        (
            e.text
            for e in reversed(report.public_events)
            if e.kind in ("status", "reply") and e.text
        ),
        "",
    )
    photo = next((p for p in report.public_photos), None)
    media = (
        request.build_absolute_uri(reverse("feedback_photo", args=[photo.pk])) if photo else None
    )
    updated = max([report.created_at, *[e.created_at for e in report.public_events]])
    return {
        "service_request_id": report.public_code,
        "status": "open" if report.status in OPEN_STATUSES else "closed",
        "status_notes": last,
        "service_name": report.category.name,
        "service_code": report.category.code,
        "description": report.description,
        "agency_responsible": report.forwarded_to or report.village.name,
        "service_notice": "",
        "requested_datetime": _iso(report.created_at),
        "updated_datetime": _iso(updated),
        "expected_datetime": _iso(report.resolve_due),
        "address": report.address or (report.lane.name if report.lane else ""),
        "address_id": report.address_id,
        "zipcode": "",
        "lat": float(report.public_latitude) if report.latitude is not None else None,
        "long": float(report.public_longitude) if report.longitude is not None else None,
        "media_url": media,
    }


def _public_reports(village: Village) -> QuerySet[Report]:
    return (
        Report.objects.public()
        .filter(village=village)
        .select_related("category", "lane", "village")
        .prefetch_related(
            Prefetch("events", queryset=Event.objects.filter(public=True), to_attr="public_events"),
            Prefetch(
                "photos", queryset=Photo.objects.filter(hidden=False), to_attr="public_photos"
            ),
        )
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
@_answering
def requests_list(request: HttpRequest, fmt: str) -> HttpResponse:
    village = _village(request)
    if request.method == "POST":
        return _create(request, village, fmt)
    reports = _public_reports(village)
    ids = [i.strip() for i in request.GET.get("service_request_id", "").split(",") if i.strip()]
    if ids:  # the specification: service_request_id overrides every other argument
        reports = reports.filter(public_code__in=ids)
    else:
        codes = [c.strip() for c in request.GET.get("service_code", "").split(",") if c.strip()]
        if codes:
            reports = reports.filter(category__code__in=codes)
        wanted = _statuses(request)
        if wanted == {"open"}:
            reports = reports.filter(status__in=OPEN_STATUSES)
        elif wanted == {"closed"}:
            reports = reports.exclude(status__in=OPEN_STATUSES)
        start, end = _window(request)
        reports = reports.filter(created_at__gte=start, created_at__lte=end)
    rows = [_request(r, request) for r in reports.order_by("-created_at")[:LIST_LIMIT]]
    return _render(rows, fmt, "service_requests", "request")


@require_GET
@_answering
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    village = _village(request)
    report = _public_reports(village).filter(public_code=request_id).first()
    if report is None:
        raise Open311Error(404, _("No request has the id %(id)s.") % {"id": request_id})
    return _render([_request(report, request)], fmt, "service_requests", "request")


@require_GET
@_answering
def token_detail(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    """The service_request_id of the request a token (a report's tracking code) stands for."""
    village = _village(request)
    report = (
        Report.objects.public().filter(village=village, tracking_code=token).only("public_code")
    ).first()
    if report is None:
        raise Open311Error(404, _("No request has the token %(token)s.") % {"token": token})
    return _render(
        [{"service_request_id": report.public_code, "token": token}],
        fmt,
        "service_requests",
        "request",
    )


# Creating a request ----------------------------------------------------------------------------


def _coordinate(value: str, name: str, limit: int) -> Decimal | None:
    if not value.strip():
        return None
    try:
        number = Decimal(value.strip())
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or not math.isfinite(float(number)):
        raise Open311Error(400, _("%(name)s must be a number.") % {"name": name})
    if abs(number) > limit:
        raise Open311Error(
            400,
            _("%(name)s must be between -%(limit)s and %(limit)s.")
            % {"name": name, "limit": limit},
        )
    return number.quantize(Decimal("0.0000001"))  # the precision the report keeps


def _location(request: HttpRequest, village: Village) -> dict[str, Any]:
    """lat and long, address_string or address_id: the specification requires one of them."""
    latitude = _coordinate(request.POST.get("lat", ""), "lat", 90)
    longitude = _coordinate(request.POST.get("long", ""), "long", 180)
    if (latitude is None) != (longitude is None):
        raise Open311Error(400, _("lat and long go together: give both or neither."))
    address = " ".join(request.POST.get("address_string", "").split())
    if len(address) > 255:
        raise Open311Error(400, _("address_string is too long (255 characters at most)."))
    address_id = request.POST.get("address_id", "").strip()
    lane = None
    if address_id:
        household = (
            Household.objects.active()
            .filter(village=village, digital_address=address_id)
            .select_related("lane")
            .first()
        )
        if household is None:
            raise Open311Error(
                400,
                _("address_id %(id)s is not a digital address of this village.")
                % {"id": address_id[:32]},
            )
        lane = household.lane
    if latitude is None and not address and not address_id:
        raise Open311Error(400, _("Give the location: lat and long, address_string or address_id."))
    return {
        "latitude": latitude,
        "longitude": longitude,
        "address": address,
        "address_id": address_id,
        "lane": lane,
    }


def _photo(upload: UploadedFile) -> ProcessedPhoto:
    """An uploaded or fetched image through the portal's one image cleaner."""
    try:
        cleaned = images.clean_image(upload, prefix="open311")
    except ValidationError as exc:
        raise Open311Error(400, error_text(exc)) from exc
    with Image.open(io.BytesIO(cleaned.read())) as image:
        width, height = image.size
    cleaned.seek(0)
    return ProcessedPhoto(content=cleaned.read(), width=width, height=height)


def media_hosts() -> list[str]:
    return [h.strip().lower() for h in settings.FEEDBACK_OPEN311_MEDIA_HOSTS if h]


def _allowed(url: str) -> bool:
    """HTTPS to a listed host, or plain HTTP to a host listed with its ``http://``."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    hosts = media_hosts()
    if parts.scheme == "https":
        return host in hosts or f"https://{host}" in hosts
    return parts.scheme == "http" and f"http://{host}" in hosts


def _fetch(url: str) -> ProcessedPhoto:
    """The image at ``media_url``: only from the configured hosts, no redirects, size-capped."""
    if not _allowed(url):
        raise Open311Error(400, _("media_url is not on a host this portal accepts media from."))
    failed = Open311Error(400, _("The image at media_url could not be fetched."))
    try:
        with http.get(url, timeout=MEDIA_TIMEOUT, stream=True, allow_redirects=False) as answer:
            if answer.status_code != 200:
                raise failed
            data = bytearray()
            for chunk in answer.iter_content(64 * 1024):
                data.extend(chunk)
                if len(data) > images.MAX_UPLOAD_BYTES:
                    raise Open311Error(400, _("The image at media_url is too large."))
    except http.RequestException as exc:
        raise failed from exc
    return _photo(SimpleUploadedFile("media", bytes(data)))


def _create(request: HttpRequest, village: Village, fmt: str) -> HttpResponse:
    raw_key = request.POST.get("api_key", "")
    key = (
        ApiKey.objects.filter(village=village, key_hash=ApiKey.hash(raw_key), active=True).first()
        if raw_key
        else None
    )
    if key is None:
        raise Open311Error(403, _("A valid api_key for this jurisdiction is required."))
    if not limits.hit("apikey", str(key.pk), setting="FEEDBACK_RATE_PER_API_KEY"):
        raise Open311Error(429, _("Too many requests with this key. Try again later."))
    code = request.POST.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, _("service_code is required."))
    category = Category.objects.filter(village=village, active=True, code=code).first()
    if category is None:
        raise Open311Error(
            404,
            _("service_code %(code)s is not one of this jurisdiction's services.")
            % {"code": code[:50]},
        )
    answers = {}
    for question in category.live_questions():
        value = request.POST.get(f"attribute[{question['key']}]", "").strip()
        if question.get("required") and not value:
            raise Open311Error(400, _("attribute[%(k)s] is required.") % {"k": question["key"]})
        if value:
            answers[question["key"]] = value[:200]
    place = _location(request, village)
    name = " ".join(
        p for p in (request.POST.get("first_name", ""), request.POST.get("last_name", "")) if p
    ).strip()[:100]
    email = request.POST.get("email", "").strip()
    phone = request.POST.get("phone", "").strip()
    try:
        from django.core.validators import validate_email

        from accounts.phones import normalize_phone

        if email:
            validate_email(email)
        if phone:
            phone = normalize_phone(phone)
    except ValidationError as exc:
        raise Open311Error(400, error_text(exc)) from exc
    photos = []
    if "media" in request.FILES:
        photos.append(_photo(request.FILES["media"]))
    media_url = request.POST.get("media_url", "").strip()
    if media_url:
        photos.append(_fetch(media_url))
    try:
        report = services.report_submit(
            village=village,
            submission=services.Submission(
                category=category,
                description=request.POST.get("description", "")[:4000],
                answers=answers,
                lane=place["lane"],
                latitude=place["latitude"],
                longitude=place["longitude"],
                address=place["address"],
                address_id=place["address_id"],
                reporter_name=name,
                reporter_phone=phone,
                reporter_email=email,
            ),
            photos=photos,
            sender_hash=contact_hash(f"apikey:{key.pk}"),
            contact_hash=contact_hash(phone or email) if (phone or email) else "",
        )
    except ValidationError as exc:
        raise Open311Error(400, error_text(exc)) from exc
    row = {"service_request_id": report.public_code, "service_notice": "", "account_id": ""}
    return _render([row], fmt, "service_requests", "request", status=201)
