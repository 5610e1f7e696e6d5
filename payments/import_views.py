"""Pages to import adoption status from an official list: upload, check, confirm."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import access_object, current_village, require_roles
from households.models import ImportJob
from payments import imports
from payments.access import RECORDER_ROLES, recorder_required
from payments.imports import PREVIEW_ROWS
from payments.models import AdoptionImport
from villageportal import spreadsheets


class UploadForm(forms.Form):
    # The registry import's choice, in its words.
    mode = forms.ChoiceField(
        label=gettext_lazy("If some rows have errors"),
        choices=ImportJob.Mode.choices,
        initial=ImportJob.Mode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=gettext_lazy("Official list (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
        help_text=gettext_lazy(
            "Columns: “Số CCCD” (a person) or “Mã hộ” (a household's door-plate or digital "
            "address code), then one column per item, e.g. “VNeID” (Mức 2 / Mức 1 / Chưa có), "
            "“Tài khoản thanh toán”, “Chữ ký số”, “Cáp quang” (Có / Không); optional “Ngày”."
        ),
    )
    observed_on = forms.DateField(
        label=gettext_lazy("Date of the list"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        spreadsheets.validate_upload(upload)
        return upload

    def clean_observed_on(self) -> Any:
        day = self.cleaned_data["observed_on"]
        if day > timezone.localdate():
            raise ValidationError(_("The date is in the future."))
        return day


def _job(request: HttpRequest, pk: Any) -> AdoptionImport:
    job = access_object(AdoptionImport.objects.select_related("village"), user=request.user, pk=pk)
    require_roles(user=request.user, village=job.village, roles=RECORDER_ROLES)
    return job


@require_http_methods(["GET", "POST"])
@recorder_required
def import_upload(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            job = imports.import_check(
                upload=form.cleaned_data["file"],
                village=village,
                default_date=form.cleaned_data["observed_on"],
                by=request.user,
                mode=form.cleaned_data["mode"],
            )
            return redirect("payments_import_detail", pk=job.pk)
        status = 400
    else:
        form = UploadForm(initial={"observed_on": timezone.localdate()})
        status = 200
    recent = AdoptionImport.objects.filter(village=village)[:10]
    return render(request, "payments/import.html", {"form": form, "recent": recent}, status=status)


@require_http_methods(["GET"])
@login_required
def import_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    job = _job(request, pk)
    entries = sum(len(row["entries"]) for row in job.rows)
    if job.status == AdoptionImport.Status.DONE:
        not_imported = job.total_rows - job.rows_written
    else:
        not_imported = job.total_rows - len(job.rows)
    return render(
        request,
        "payments/import_job.html",
        {
            "job": job,
            "preview": job.rows[:PREVIEW_ROWS],
            "entries": entries,
            "progress": imports.job_progress(job),
            "running": job.status == AdoptionImport.Status.RUNNING,
            "not_imported": not_imported,
        },
    )


@require_POST
@login_required
def import_confirm(request: HttpRequest, pk: Any) -> HttpResponse:
    job = _job(request, pk)
    try:
        job = imports.import_confirm(
            job=job, by=request.user, mode=request.POST.get("mode") or None
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        job.refresh_from_db()
        if job.status == AdoptionImport.Status.DONE:
            messages.success(request, _("Imported: %(n)d values recorded.") % {"n": job.written})
        elif job.status == AdoptionImport.Status.RUNNING:
            messages.info(request, _("The import has started; this page follows its progress."))
    return redirect("payments_import_detail", pk=job.pk)
