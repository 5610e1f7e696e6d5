"""Public pages: send a report, follow it by its tracking code, the village board, photos."""

import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import roles_in_village
from accounts.roles import STAFF_ROLES
from feedback import limits, selectors, services
from feedback.forms import RateForm, ReportForm, TextForm
from feedback.models import CODE_ALPHABET, Category, Photo, Report, contact_hash
from households.models import Lane, Village
from villageportal.forms import form_call
from villageportal.inputs import finite_decimal


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


# "My reports" without an account: the browser keeps the tracking codes it sent, in a signed
# cookie that holds nothing else and is sent only to the feedback pages.
MINE_COOKIE = "feedback_mine"
MINE_SALT = "feedback.mine"
MINE_MAX_CODES = 30
MINE_MAX_AGE = 365 * 24 * 3600
_CODE = re.compile(rf"^PA-[{CODE_ALPHABET}]{{8}}$")


def remembered_codes(request: HttpRequest) -> list[str]:
    """The tracking codes this browser sent; a cookie that was tampered with counts as none."""
    raw = request.get_signed_cookie(MINE_COOKIE, default="", salt=MINE_SALT, max_age=MINE_MAX_AGE)
    return [code for code in raw.split(",") if _CODE.match(code)][:MINE_MAX_CODES]


def _remember(request: HttpRequest, response: HttpResponse, code: str) -> None:
    codes = [code, *(c for c in remembered_codes(request) if c != code)][:MINE_MAX_CODES]
    response.set_signed_cookie(
        MINE_COOKIE,
        ",".join(codes),
        salt=MINE_SALT,
        max_age=MINE_MAX_AGE,
        path="/feedback/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _village(village_id: Any) -> Village:
    village = Village.objects.current().filter(pk=village_id).first()
    if village is None:
        raise Http404
    return village


def _decimal(value: str | None) -> Decimal | None:
    """A coordinate from the address bar, or None when it is missing or not a finite number."""
    try:
        return finite_decimal(value)
    except ValidationError:
        return None


def _initial(request: HttpRequest, village: Village) -> dict[str, Any]:
    initial: dict[str, Any] = {"sign": request.GET.get("sign", "")[:32]}
    lane_id = request.GET.get("lane", "")
    if lane_id.isdigit():
        lane = Lane.objects.alive().filter(village=village, pk=int(lane_id)).first()
        if lane is not None:
            initial["lane"] = lane.pk
    lat, lng = _decimal(request.GET.get("lat")), _decimal(request.GET.get("lng"))
    if lat is not None and lng is not None:
        initial["latitude"], initial["longitude"] = lat, lng
    category = request.GET.get("category", "")
    if category.isdigit():
        initial["category"] = int(category)
    return initial


@require_http_methods(["GET", "POST"])
def _language_suffix(request: HttpRequest) -> str:
    """Keep a language chosen by a ``?lang=`` link on the page that follows."""
    language = request.GET.get("lang", "")
    return f"?{urlencode({'lang': language})}" if language in dict(settings.LANGUAGES) else ""


def report_new(request: HttpRequest, village_id: Any) -> HttpResponse:
    """The report form, for anyone; from a QR sign it arrives with the lane or place filled in."""
    village = _village(village_id)
    services.categories_ensure_defaults(village=village)
    status = 200
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, village=village)
        ip_digest = contact_hash("ip:" + client_ip(request))
        if not limits.allow_ip(ip_digest):
            form.is_valid()
            form.add_error(None, _("Too many reports from this connection. Try again later."))
            status = 429
        elif form.is_valid():
            submission = form.submission()
            contact = submission.reporter_phone or submission.reporter_email
            contact_digest = contact_hash(contact) if contact else ""
            if contact_digest and not limits.allow_contact(contact_digest):
                form.add_error(None, _("Too many reports from this contact. Try again later."))
                status = 429
            else:
                ok, report = form_call(
                    form,
                    lambda: services.report_submit(
                        village=village,
                        submission=submission,
                        photos=form.cleaned_data.get("photos") or [],
                        user=request.user,
                        sender_hash=ip_digest,
                        contact_hash=contact_digest,
                    ),
                )
                if ok:
                    request.session["feedback_last_code"] = report.tracking_code
                    response = redirect(
                        reverse("feedback_sent", kwargs={"code": report.tracking_code})
                        + _language_suffix(request)
                    )
                    if not request.user.is_authenticated:
                        # Signed in, the report is linked to the account instead: a phone
                        # shared after signing out does not list it.
                        _remember(request, response, report.tracking_code)
                    return response
        if status == 200:
            status = 400
    else:
        form = ReportForm(initial=_initial(request, village), village=village)
    initial = form.initial if not form.is_bound else form.data
    nearby = selectors.similar_open_reports(
        village=village,
        category_id=initial.get("category") or None,
        lane_id=initial.get("lane") or None,
        latitude=_decimal(str(initial.get("latitude") or "")),
        longitude=_decimal(str(initial.get("longitude") or "")),
    )
    return render(
        request,
        "feedback/report_new.html",
        {
            "village": village,
            "form": form,
            "nearby": nearby,
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
            "centre": selectors.village_centre(village),
            "lang_suffix": _language_suffix(request),
        },
        status=status,
    )


@require_GET
def similar(request: HttpRequest, village_id: Any) -> HttpResponse:
    """Open reports like the one being written: a fragment the form loads while typing."""
    village = _village(village_id)
    category = request.GET.get("category", "")
    lane = request.GET.get("lane", "")
    nearby = selectors.similar_open_reports(
        village=village,
        category_id=int(category) if category.isdigit() else None,
        lane_id=int(lane) if lane.isdigit() else None,
        latitude=_decimal(request.GET.get("lat")),
        longitude=_decimal(request.GET.get("lng")),
    )
    return render(request, "feedback/_similar.html", {"nearby": nearby})


@require_GET
def report_sent(request: HttpRequest, code: str) -> HttpResponse:
    report = get_object_or_404(Report, tracking_code=code)
    if request.session.get("feedback_last_code") != code:
        return redirect("feedback_status", code=code)
    return render(
        request,
        "feedback/report_sent.html",
        {"report": report, "lang_suffix": _language_suffix(request)},
    )


@require_GET
def track(request: HttpRequest) -> HttpResponse:
    """Look a report up by its tracking code."""
    code = request.GET.get("code", "").strip().upper()[:16]
    if code:
        # Tracking codes are the reporter's key to rate and reopen: guessing is rate-limited.
        if not limits.hit(
            "track", contact_hash("ip:" + client_ip(request)), setting="FEEDBACK_RATE_TRACK"
        ):
            return render(
                request,
                "feedback/track.html",
                {"code": code, "error": _("Too many look-ups. Try again later.")},
                status=429,
            )
        if not code.startswith("PA-"):
            code = "PA-" + code
        if Report.objects.filter(tracking_code=code).exists():
            return redirect("feedback_status", code=code)
        return render(
            request,
            "feedback/track.html",
            {
                "code": code,
                "error": _("No report has the tracking code %(code)s.") % {"code": code},
            },
            status=404,
        )
    return render(request, "feedback/track.html", {"code": ""})


@require_GET
@never_cache
def mine(request: HttpRequest) -> HttpResponse:
    """The reports this person sent: from their account, and from this browser."""
    codes = remembered_codes(request)
    return render(
        request,
        "feedback/mine.html",
        {
            "reports": selectors.reports_of_reporter(user=request.user, codes=codes),
            "remembered": bool(codes),
        },
    )


@require_POST
def mine_forget(request: HttpRequest) -> HttpResponse:
    """Stop listing on this browser the reports sent from it (on a shared phone, say)."""
    messages.success(
        request,
        _(
            "This phone no longer lists the reports sent from it. "
            "Keep their tracking codes to follow them."
        ),
    )
    response = redirect("feedback_mine")
    response.delete_cookie(MINE_COOKIE, path="/feedback/", samesite="Lax")
    return response


def _status_page(request: HttpRequest, report: Report, **extra: Any) -> HttpResponse:
    status = extra.pop("status", 200)
    return render(
        request,
        "feedback/status.html",
        {
            "report": report,
            "events": report.events.filter(public=True).select_related("by"),
            "photos": [p for p in report.photos.all() if not p.hidden],
            "rate_form": extra.pop("rate_form", RateForm()),
            "reopen_form": extra.pop("reopen_form", TextForm()),
            "reopen_days": services.reopen_days(),
            "is_reporter": True,
            **extra,
        },
        status=status,
    )


def _by_code(code: str) -> Report:
    return get_object_or_404(
        Report.objects.select_related("category", "lane", "village"), tracking_code=code
    )


@require_GET
def status(request: HttpRequest, code: str) -> HttpResponse:
    """The reporter's page: status, public history, rating and reopening."""
    return _status_page(request, _by_code(code))


@require_POST
def rate(request: HttpRequest, code: str) -> HttpResponse:
    report = _by_code(code)
    form = RateForm(request.POST)
    if form.is_valid():
        ok, _rated = form_call(
            form,
            lambda: services.report_rate(
                report=report,
                satisfied=form.cleaned_data["satisfied"],
                comment=form.cleaned_data["comment"],
            ),
        )
        if ok:
            messages.success(request, _("Thank you for your rating."))
            return redirect("feedback_status", code=code)
    return _status_page(request, report, rate_form=form, status=400)


@require_POST
def reopen(request: HttpRequest, code: str) -> HttpResponse:
    report = _by_code(code)
    form = TextForm(request.POST)
    if form.is_valid():
        ok, _reopened = form_call(
            form, lambda: services.report_reopen(report=report, text=form.cleaned_data["text"])
        )
        if ok:
            messages.success(request, _("The report is open again."))
            return redirect("feedback_status", code=code)
    return _status_page(request, report, reopen_form=form, status=400)


@require_GET
def board(request: HttpRequest, village_id: Any) -> HttpResponse:
    """The village's public board: open and recent reports, on a map and in a list."""
    village = _village(village_id)
    reports = selectors.board_reports(village=village, params=request.GET)
    drawing = selectors.board_map(village=village, reports=reports)
    points = [
        {
            "n": pin["n"],
            "lat": float(pin["report"].public_latitude),
            "lon": float(pin["report"].public_longitude),
            "label": f"{pin['report'].category.name} · {pin['report'].get_status_display()}",
            "url": pin["url"],
            "open": pin["report"].kind == "open",
        }
        for pin in (drawing["pins"] if drawing else [])
    ]
    return render(
        request,
        "feedback/board.html",
        {
            "village": village,
            "reports": reports,
            "points": points,
            "drawing": drawing,
            "categories": Category.objects.filter(village=village, active=True),
            "params": request.GET,
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
            "lang_suffix": _language_suffix(request),
        },
    )


@require_GET
def public_detail(request: HttpRequest, public_code: str) -> HttpResponse:
    report = get_object_or_404(
        Report.objects.public().select_related("category", "lane", "village"),
        public_code=public_code,
    )
    return render(
        request,
        "feedback/status.html",
        {
            "report": report,
            "events": report.events.filter(public=True).select_related("by"),
            "photos": [p for p in report.photos.all() if not p.hidden],
            "is_reporter": False,
        },
    )


@require_POST
def me_too(request: HttpRequest, public_code: str) -> HttpResponse:
    report = get_object_or_404(Report.objects.public(), public_code=public_code)
    digest = contact_hash("ip:" + client_ip(request))
    if not limits.allow_ip(digest):
        messages.error(request, _("Too many requests from this connection. Try again later."))
    elif services.report_me_too(report=report, sender_hash=digest):
        messages.success(request, _("Thank you: your “me too” was added to this report."))
    else:
        messages.info(request, _("Your “me too” is already counted, or the report is closed."))
    return redirect("feedback_public_detail", public_code=public_code)


@require_GET
def photo(request: HttpRequest, pk: Any) -> HttpResponse:
    """A photo: to everyone once public, to the village's staff always (moderation)."""
    item = get_object_or_404(Photo.objects.select_related("report__village"), pk=pk)
    public = not item.hidden and not item.report.hidden and item.report.duplicate_of_id is None
    if not public:
        staff = request.user.is_authenticated and (
            request.user.is_superuser
            or roles_in_village(user=request.user, village=item.report.village) & STAFF_ROLES
        )
        if not staff:
            raise Http404
    try:
        handle = item.image.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type="image/jpeg")
    # Five minutes: a photo hidden by moderation leaves shared caches soon after.
    response["Cache-Control"] = "public, max-age=300" if public else "private, no-store"
    return response
