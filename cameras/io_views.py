"""Pages for importing the camera list and exporting it."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import access_object, current_village
from cameras import io, selectors
from cameras.access import MANAGER_ROLES, manager_required
from cameras.forms import ImportForm
from cameras.models import ImportJob
from households.io_views import CSV, XLSX

PREVIEW_ROWS = 50


def _job(request: HttpRequest, pk: int) -> ImportJob:
    jobs = ImportJob.objects.select_related("village")
    return access_object(jobs, user=request.user, roles=MANAGER_ROLES, pk=pk)


@require_http_methods(["GET", "POST"])
@manager_required
def camera_import(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        form = ImportForm()
    else:
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = io.import_check(
                    village=current_village(request),
                    by=request.user,
                    upload=form.cleaned_data["file"],
                )
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                return redirect("camera_import_job", pk=job.pk)
    return render(
        request,
        "cameras/import.html",
        {"form": form, "headers": io.COLUMNS},
        status=400 if form.errors else 200,
    )


@require_GET
@manager_required
def camera_import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(io.template_csv(), content_type=CSV)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename="mau-danh-sach-camera.csv"
    )
    return response


@require_GET
@login_required
def camera_import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    return render(
        request,
        "cameras/import_job.html",
        {
            "job": job,
            "progress": job.current_progress,
            "preview": job.rows[:PREVIEW_ROWS],
            "more": max(0, len(job.rows) - PREVIEW_ROWS),
        },
    )


@require_POST
@login_required
def camera_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    try:
        job = io.import_confirm(job=job, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        if job.status == ImportJob.Status.DONE:
            messages.success(request, _("%(count)d cameras were added.") % {"count": job.written})
    return redirect("camera_import_job", pk=job.pk)


@require_POST
@login_required
def camera_import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    try:
        io.import_cancel(job=job, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("camera_import_job", pk=job.pk)
    messages.success(request, _("The import was cancelled; nothing was written."))
    return redirect("camera_import")


@require_GET
@manager_required
def camera_export(request: HttpRequest) -> Any:
    fmt = request.GET.get("format") or "csv"
    if fmt not in ("csv", "xlsx"):
        return HttpResponseBadRequest(_("Choose the format csv or xlsx."))
    village = current_village(request)
    cameras = selectors.cameras_filtered(user=request.user, village=village, params=request.GET)
    name = f"camera-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(io.export_csv(cameras), content_type=CSV)
    else:
        response = StreamingHttpResponse(io.export_xlsx(cameras), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    return response
