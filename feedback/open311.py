"""Open311 GeoReport v2: services, service definitions, requests (list, create, one).

The jurisdiction is the village: ``jurisdiction_id`` is its UUID. Reading is open; creating a
request takes an ``api_key`` issued by the village's staff. Responses carry public fields only:
never the reporter's contact, and their name only where they chose to show it.
"""

from decimal import Decimal
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from feedback import limits, services
from feedback.models import OPEN_STATUSES, ApiKey, Category, Report, contact_hash
from households.models import Village
from villageportal.inputs import finite_decimal

LIST_LIMIT = 1000


def _render(data: Any, fmt: str, root: str, item: str, status: int = 200) -> HttpResponse:
    if fmt == "json":
        return JsonResponse(
            data, status=status, safe=False, json_dumps_params={"ensure_ascii": False}
        )
    element = ET.Element(root)
    for entry in data:
        child = ET.SubElement(element, item)
        for key, value in entry.items():
            if key == "attributes":
                attrs = ET.SubElement(child, "attributes")
                for attribute in value:
                    node = ET.SubElement(attrs, "attribute")
                    for k, v in attribute.items():
                        ET.SubElement(node, k).text = _text(v)
                continue
            ET.SubElement(child, key).text = _text(value)
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(element, encoding="utf-8")
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _render([{"code": status, "description": description}], fmt, "errors", "error", status)


def _village(request: HttpRequest) -> Village | None:
    raw = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or ""
    try:
        return Village.objects.current().filter(pk=raw).first() if raw else None
    except (ValidationError, ValueError):
        return None


def _no_village(request: HttpRequest, fmt: str) -> HttpResponse:
    """400 when jurisdiction_id is missing, 404 when it names no village."""
    if request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id"):
        return _error(fmt, 404, _("jurisdiction_id names no village of the portal."))
    return _error(fmt, 400, _("Give jurisdiction_id: the UUID of a village of the portal."))


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
def services_list(request: HttpRequest, fmt: str) -> HttpResponse:
    village = _village(request)
    if village is None:
        return _no_village(request, fmt)
    services.categories_ensure_defaults(village=village)
    rows = [_service(c) for c in Category.objects.filter(village=village, active=True)]
    return _render(rows, fmt, "services", "service")


@require_GET
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    village = _village(request)
    if village is None:
        return _no_village(request, fmt)
    category = Category.objects.filter(village=village, active=True, code=code).first()
    if category is None:
        return _error(fmt, 404, _("No service has the code %(code)s.") % {"code": code})
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
    data = {"service_code": category.code, "attributes": attributes}
    if fmt == "json":
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    element = ET.Element("service_definition")
    ET.SubElement(element, "service_code").text = category.code
    attrs = ET.SubElement(element, "attributes")
    for attribute in attributes:
        node = ET.SubElement(attrs, "attribute")
        for k, v in attribute.items():
            ET.SubElement(node, k).text = _text(v)
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(element, encoding="utf-8")
    return HttpResponse(body, content_type="text/xml; charset=utf-8")


def _iso(value: Any) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


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
        "address": report.lane.name if report.lane else "",
        "address_id": "",
        "zipcode": "",
        "lat": float(report.public_latitude) if report.latitude is not None else None,
        "long": float(report.public_longitude) if report.longitude is not None else None,
        "media_url": media,
    }


def _public_reports(village: Village) -> Any:
    from django.db.models import Prefetch

    from feedback.models import Event, Photo

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
def requests_list(request: HttpRequest, fmt: str) -> HttpResponse:
    village = _village(request)
    if village is None:
        return _no_village(request, fmt)
    if request.method == "POST":
        return _create(request, village, fmt)
    reports = _public_reports(village)
    ids = [i for i in request.GET.get("service_request_id", "").split(",") if i]
    if ids:
        reports = reports.filter(public_code__in=ids)
    else:
        if request.GET.get("service_code"):
            reports = reports.filter(category__code__in=request.GET["service_code"].split(","))
        state = request.GET.get("status", "")
        if state == "open":
            reports = reports.filter(status__in=OPEN_STATUSES)
        elif state == "closed":
            reports = reports.exclude(status__in=OPEN_STATUSES)
        for param, lookup in (("start_date", "created_at__gte"), ("end_date", "created_at__lte")):
            if request.GET.get(param):
                moment = parse_datetime(request.GET[param].replace(" ", "+"))
                if moment is None:
                    return _error(fmt, 400, _("%(p)s is not a date and time.") % {"p": param})
                reports = reports.filter(**{lookup: moment})
        if not request.GET.get("start_date"):
            reports = reports.filter(created_at__gte=timezone.now() - timezone.timedelta(days=90))
    rows = [_request(r, request) for r in reports.order_by("-created_at")[:LIST_LIMIT]]
    return _render(rows, fmt, "service_requests", "request")


@require_GET
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    village = _village(request)
    if village is None:
        return _no_village(request, fmt)
    report = _public_reports(village).filter(public_code=request_id).first()
    if report is None:
        return _error(fmt, 404, _("No request has the id %(id)s.") % {"id": request_id})
    return _render([_request(report, request)], fmt, "service_requests", "request")


def _decimal(value: str) -> Decimal | None:
    return finite_decimal(value, message=_("lat and long must be numbers."))


def _create(request: HttpRequest, village: Village, fmt: str) -> HttpResponse:
    raw_key = request.POST.get("api_key", "")
    key = (
        ApiKey.objects.filter(village=village, key_hash=ApiKey.hash(raw_key), active=True).first()
        if raw_key
        else None
    )
    if key is None:
        return _error(fmt, 403, _("A valid api_key for this jurisdiction is required."))
    if not limits.hit(
        "apikey", str(key.pk), setting="FEEDBACK_RATE_PER_API_KEY", default="600/3600"
    ):
        return _error(fmt, 429, _("Too many requests with this key. Try again later."))
    category = Category.objects.filter(
        village=village, active=True, code=request.POST.get("service_code", "")
    ).first()
    if category is None:
        return _error(fmt, 400, _("service_code is not one of this jurisdiction's services."))
    answers = {}
    for question in category.live_questions():
        value = request.POST.get(f"attribute[{question['key']}]", "").strip()
        if question.get("required") and not value:
            return _error(fmt, 400, _("attribute[%(k)s] is required.") % {"k": question["key"]})
        if value:
            answers[question["key"]] = value[:200]
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
        submission = services.Submission(
            category=category,
            description=request.POST.get("description", "")[:4000],
            answers=answers,
            lane=None,
            latitude=_decimal(request.POST.get("lat", "")),
            longitude=_decimal(request.POST.get("long", "")),
            reporter_name=name,
            reporter_phone=phone,
            reporter_email=email,
        )
        report = services.report_submit(
            village=village,
            submission=submission,
            photos=[],
            sender_hash=contact_hash(f"apikey:{key.pk}"),
            contact_hash=contact_hash(phone or email) if (phone or email) else "",
        )
    except ValidationError as exc:
        return _error(fmt, 400, " ".join(exc.messages))
    row = {
        "service_request_id": report.public_code,
        "service_notice": "",
        "account_id": "",
        "token": report.tracking_code,
    }
    return _render([row], fmt, "service_requests", "request", status=201)


def base_url() -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + "/open311/v2/"
