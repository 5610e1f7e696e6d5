"""Staff pages: the list of reports, one report with its workflow, settings, figures."""

import csv
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import (
    access_object,
    current_village,
    require_roles,
    roles_in_village,
    village_roles,
)
from accounts.models import User
from accounts.roles import COMMUNE_ROLES, STAFF_ROLES
from feedback import selectors, services
from feedback.access import (
    HANDLER_ROLES,
    MANAGER_ROLES,
    access_report,
    staff_required,
)
from feedback.forms import TextForm, TransitionForm
from feedback.models import ApiKey, Category, Photo, Report, ResponseTemplate, Status
from households import visibility
from households.access import EDITOR_ROLES as REGISTRY_EDITOR_ROLES
from villageportal.forms import error_text, form_call


def _team(report: Report) -> list[User]:
    return list(
        User.objects.filter(is_active=True)
        .filter(
            Q(memberships__village=report.village, memberships__role__in=STAFF_ROLES)
            | Q(
                memberships__commune_id=report.village.commune_id,
                memberships__role__in=COMMUNE_ROLES,
            )
        )
        .distinct()
        .order_by("full_name")
    )


@require_GET
@staff_required
def report_list(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    params = request.GET.dict()
    params["user"] = request.user
    reports = selectors.staff_reports(village=village, params=params)
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "feedback/staff_list.html",
        {
            "page": page,
            # registry editors confirm Zalo links (feedback.zalo_link_views)
            "can_confirm_links": request.user.is_superuser
            or bool(village_roles(request) & REGISTRY_EDITOR_ROLES),
            "now": timezone.now(),
            "statuses": Status.choices,
            "categories": Category.objects.filter(village=village),
            "sorts": [
                ("triage", _("Most pressing first")),
                ("due", _("Nearest deadline")),
                ("newest", _("Newest")),
                ("oldest", _("Oldest")),
            ],
            "params": request.GET,
            "query_string": query.urlencode(),
        },
    )


def _detail(request: HttpRequest, report: Report, status: int = 200, **forms: Any) -> HttpResponse:
    roles = roles_in_village(user=request.user, village=report.village)
    superuser = request.user.is_superuser
    return render(
        request,
        "feedback/staff_detail.html",
        {
            "report": report,
            "events": report.events.select_related("by"),
            "photos": report.photos.all(),
            "transition_form": forms.get("transition_form") or TransitionForm(report=report),
            "reply_form": forms.get("reply_form") or TextForm(),
            "note_form": forms.get("note_form") or TextForm(),
            "team": _team(report),
            "templates": ResponseTemplate.objects.filter(village=report.village),
            "overdue": report.is_overdue(),
            "error": forms.get("error"),
            "can_handle": superuser or bool(roles & HANDLER_ROLES),
            "can_manage": superuser or bool(roles & MANAGER_ROLES),
            "show_reporter": visibility.can_see_reporter(roles, superuser=superuser),
        },
        status=status,
    )


@require_GET
@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, access_report(user=request.user, pk=pk))


@require_POST
@login_required
def report_transition(request: HttpRequest, pk: int) -> HttpResponse:
    report = access_report(user=request.user, pk=pk, roles=HANDLER_ROLES)
    form = TransitionForm(request.POST, request.FILES, report=report)
    if form.is_valid():
        data = form.cleaned_data
        original = None
        if data["status"] == Status.DUPLICATE:
            original = Report.objects.filter(
                village=report.village, tracking_code=data["duplicate_of"].strip().upper()
            ).first()
        ok, _event = form_call(
            form,
            lambda: services.report_transition(
                report=report,
                to_status=data["status"],
                by=request.user,
                text=data["text"],
                forwarded_to=data["forwarded_to"],
                forwarded_on=data["forwarded_on"],
                duplicate_of=original,
                result_photo=data["result_photo"],
            ),
        )
        if ok:
            messages.success(request, _("The status was changed."))
            return redirect("feedback_detail", pk=report.pk)
    return _detail(request, report, status=400, transition_form=form)


@require_POST
@login_required
def report_reply(request: HttpRequest, pk: int) -> HttpResponse:
    report = access_report(user=request.user, pk=pk, roles=HANDLER_ROLES)
    form = TextForm(request.POST)
    if form.is_valid():
        ok, _reply = form_call(
            form,
            lambda: services.report_reply(
                report=report, text=form.cleaned_data["text"], by=request.user
            ),
        )
        if ok:
            messages.success(request, _("The reply was published."))
            return redirect("feedback_detail", pk=report.pk)
    return _detail(request, report, status=400, reply_form=form)


@require_POST
@login_required
def report_note(request: HttpRequest, pk: int) -> HttpResponse:
    report = access_report(user=request.user, pk=pk, roles=HANDLER_ROLES)
    form = TextForm(request.POST)
    if form.is_valid():
        services.report_note(report=report, text=form.cleaned_data["text"], by=request.user)
        messages.success(request, _("The note was saved."))
        return redirect("feedback_detail", pk=report.pk)
    return _detail(request, report, status=400, note_form=form)


@require_POST
@login_required
def report_assign(request: HttpRequest, pk: int) -> HttpResponse:
    report = access_report(user=request.user, pk=pk, roles=HANDLER_ROLES)
    raw = request.POST.get("assignee", "")
    assignee = None
    if raw:
        assignee = next((u for u in _team(report) if str(u.pk) == raw), None)
        if assignee is None:
            return _detail(
                request, report, status=400, error=_("Choose a member of the village team.")
            )
    try:
        services.report_assign(report=report, assignee=assignee, by=request.user)
    except ValidationError as exc:
        return _detail(request, report, status=400, error=error_text(exc))
    messages.success(request, _("The assignment was saved."))
    return redirect("feedback_detail", pk=report.pk)


@require_POST
@login_required
def report_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    report = access_report(user=request.user, pk=pk, roles=MANAGER_ROLES)
    hide = request.POST.get("hidden") == "1"
    try:
        services.report_moderate(
            report=report, hidden=hide, reason=request.POST.get("reason", ""), by=request.user
        )
    except ValidationError as exc:
        return _detail(request, report, status=400, error=error_text(exc))
    messages.success(request, _("The report is hidden.") if hide else _("The report is shown."))
    return redirect("feedback_detail", pk=report.pk)


@require_POST
@login_required
def photo_moderate(request: HttpRequest, pk: Any) -> HttpResponse:
    photo = access_object(
        Photo.objects.select_related("report__village"),
        user=request.user,
        pk=pk,
    )
    require_roles(user=request.user, village=photo.report.village, roles=MANAGER_ROLES)
    services.photo_moderate(photo=photo, hidden=request.POST.get("hidden") == "1", by=request.user)
    messages.success(request, _("The photo was updated."))
    return redirect("feedback_detail", pk=photo.report_id)


@require_POST
@login_required
def sender_block(request: HttpRequest, pk: int) -> HttpResponse:
    report = access_report(user=request.user, pk=pk, roles=MANAGER_ROLES)
    try:
        services.sender_block(report=report, reason=request.POST.get("reason", ""), by=request.user)
    except ValidationError as exc:
        return _detail(request, report, status=400, error=error_text(exc))
    messages.success(request, _("Reports from this sender will be refused."))
    return redirect("feedback_detail", pk=report.pk)


# ---------------------------------------------------------------------------------------
# Settings: response templates and API keys (categories have their own pages)


@require_http_methods(["GET", "POST"])
@staff_required
def settings_page(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    services.categories_ensure_defaults(village=village)
    raw_key = None
    error = None
    status = 200
    if request.method == "POST":
        require_roles(user=request.user, village=village, roles=MANAGER_ROLES)
        action = request.POST.get("action", "")
        try:
            if action == "template":
                services.template_create(
                    village=village,
                    title=request.POST.get("title", ""),
                    text=request.POST.get("text", ""),
                )
                messages.success(request, _("The template was added."))
            elif action == "api_key":
                _key, raw_key = services.api_key_create(
                    village=village, name=request.POST.get("name", ""), by=request.user
                )
            elif action == "revoke":
                key = ApiKey.objects.filter(village=village, pk=request.POST.get("key") or 0)
                for item in key:
                    services.api_key_revoke(key=item)
                messages.success(request, _("The key was revoked."))
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as exc:
            error = error_text(exc)
            status = 400
        else:
            if raw_key is None:
                return redirect("feedback_settings")
    return render(
        request,
        "feedback/settings.html",
        {
            "categories": Category.objects.filter(village=village),
            "templates": ResponseTemplate.objects.filter(village=village),
            "keys": ApiKey.objects.filter(village=village),
            "raw_key": raw_key,
            "error": error,
            "village": village,
        },
        status=status,
    )


# ---------------------------------------------------------------------------------------
# Figures


def _period(request: HttpRequest) -> tuple[date, date]:
    today = timezone.localdate()
    try:
        start = date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        start = today - timedelta(days=89)
    try:
        end = date.fromisoformat(request.GET.get("to", ""))
    except ValueError:
        end = today
    if end < start:
        start, end = end, start
    return start, end


@require_GET
@staff_required
def stats(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    start, end = _period(request)
    return render(
        request,
        "feedback/stats.html",
        {
            "figures": selectors.statistics_for(village=village, start=start, end=end),
            "start": start,
            "end": end,
            "village": village,
        },
    )


EXPORT_HEADERS = [
    "tracking_code",
    "sent_at",
    "category",
    "status",
    "lane",
    "acknowledged_at",
    "resolved_at",
    "closed_at",
    "ack_due",
    "resolve_due",
    "me_too",
    "satisfied",
]


def _safe(value: Any) -> Any:
    """Neutralise spreadsheet formulas in text cells."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _export_rows(village: Any, start: date, end: date) -> Any:
    reports = (
        Report.objects.filter(
            village=village, created_at__date__gte=start, created_at__date__lte=end
        )
        .select_related("category", "lane")
        .order_by("created_at")
    )
    local = timezone.localtime
    for r in reports.iterator():
        yield [
            r.tracking_code,
            local(r.created_at).replace(tzinfo=None),
            _safe(r.category.name),
            r.get_status_display(),
            _safe(r.lane.name if r.lane else ""),
            *[
                local(v).replace(tzinfo=None) if v else None
                for v in (r.acknowledged_at, r.resolved_at, r.closed_at, r.ack_due, r.resolve_due)
            ],
            r.me_too_count,
            "" if r.satisfied is None else ("yes" if r.satisfied else "no"),
        ]


# The .csv keeps stable machine-readable column keys; the .xlsx is read by people, in Vietnamese.
XLSX_HEADERS = [
    _lazy("Tracking code"),
    _lazy("Sent at"),
    _lazy("Category"),
    _lazy("Status"),
    _lazy("Lane"),
    _lazy("Acknowledged at"),
    _lazy("Resolved at"),
    _lazy("Report closed at"),
    _lazy("Acknowledgement due"),
    _lazy("Resolution due"),
    _lazy("Others with the same problem"),
    _lazy("Satisfied"),
]
XLSX_SUMMARY = [
    ("total", _lazy("Reports"), "#,##0"),
    ("median_ack_hours", _lazy("Median time to acknowledge (hours)"), "#,##0.0"),
    ("median_resolve_hours", _lazy("Median time to resolve (hours)"), "#,##0.0"),
    ("ack_on_time", _lazy("Acknowledged on time"), "0.0%"),
    ("handled_on_time", _lazy("Handled on time"), "0.0%"),
    ("resolved_same_day", _lazy("Resolved the same day"), "0.0%"),
    ("satisfaction", _lazy("Satisfied reporters"), "0.0%"),
]


def _export_workbook(village: Any, start: date, end: date) -> Any:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(_lazy("Reports")))
    sheet.append([str(h) for h in XLSX_HEADERS])
    for row in _export_rows(village, start, end):
        cells = []
        for value in row[:-1]:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, datetime):
                cell.number_format = "dd/mm/yyyy hh:mm"
            cells.append(cell)
        satisfied = row[-1]
        cells.append({"yes": _("Yes"), "no": _("No")}.get(satisfied, ""))
        sheet.append(cells)
    figures = selectors.statistics_for(village=village, start=start, end=end)
    summary = book.create_sheet(str(_lazy("Summary")))
    for key, label, number_format in XLSX_SUMMARY:
        value = figures[key]
        if value is not None and number_format.endswith("%"):
            value = round(value / 100, 4)
        cell = WriteOnlyCell(summary, value=value)
        cell.number_format = number_format
        summary.append([str(label), cell])
    return book


@require_GET
@staff_required
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Reports of the period, without anything about the reporter, as .csv or .xlsx."""
    village = current_village(request)
    start, end = _period(request)
    name = f"phan-anh-{start}-{end}"
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(EXPORT_HEADERS)
        for row in _export_rows(village, start, end):
            writer.writerow(["" if v is None else v for v in row])
        return response
    book = _export_workbook(village, start, end)
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    book.save(response)
    return response
