"""Pages for importing the registry from a spreadsheet and exporting it to one."""

from collections.abc import AsyncIterator, Iterator
from contextlib import suppress
from typing import Any

from asgiref.sync import sync_to_async
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.core.handlers.asgi import ASGIRequest
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import (
    access_object,
    current_village,
    staff_required,
    village_roles,
)
from households import exports, imports
from households.access import EDITOR_ROLES, editor_required
from households.models import ImportJob
from households.selectors import households_filtered
from households.visibility import resident_fields
from villageportal.inputs import reads_its_upload, refusal_for
from villageportal.text import fold

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


class UploadLimit(FileUploadHandler):
    """Stops reading an upload once it passes ``IMPORT_MAX_BYTES``, before it is stored.

    Runs first among the upload handlers, so a too-large file never reaches memory or disk.
    """

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = imports.max_bytes()
        self.received = 0
        self.exceeded = False

    def handle_raw_input(
        self, input_data: Any, meta: Any, content_length: int, *args: Any, **kwargs: Any
    ) -> None:
        # The whole request body, with the other fields: a little more than the file.
        if content_length > self.limit + 64 * 1024:
            self.exceeded = True

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        if self.exceeded:
            raise StopUpload(connection_reset=False)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class ImportForm(forms.Form):
    mode = forms.ChoiceField(
        label=gettext_lazy("If some rows have errors"),
        choices=ImportJob.Mode.choices,
        initial=ImportJob.Mode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args: Any, too_big: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.too_big = too_big
        self.fields["file"].help_text = _(
            "At most %(limit)d MB. The file is checked first; nothing is written before you "
            "confirm."
        ) % {"limit": imports.max_bytes() // (1024 * 1024)}
        if too_big:
            self.fields["file"].required = False

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if self.too_big:
            raise ValidationError(
                imports.error_text(imports.error("too_big", limit=imports.max_bytes() // 2**20)),
                code="too_big",
            )
        if upload is None:
            return upload
        imports.validate_upload(upload)
        return upload


def _recent_jobs(request: HttpRequest) -> Any:
    jobs = ImportJob.objects.visible_to(request.user, EDITOR_ROLES)
    return jobs.filter(village=current_village(request))[:10]


def _import_page(request: HttpRequest, form: ImportForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "households/import.html",
        {"form": form, "jobs": _recent_jobs(request), "headers": imports.COLUMNS},
        status=status,
    )


@reads_its_upload
@csrf_exempt
@require_http_methods(["GET", "POST"])
@editor_required
def household_import(request: HttpRequest) -> HttpResponse:
    """GET the upload form; POST a file, which is checked and shown before anything is written."""
    limit = UploadLimit(request)
    if request.method == "POST":
        # Set before the body is read: the CSRF check comes after, in _household_import.
        # Should something have read the body already, the form still checks the size.
        with suppress(AttributeError):
            request.upload_handlers.insert(0, limit)
        refusal = refusal_for(request)
        if refusal is not None:
            return refusal
    return _household_import(request, limit)


@csrf_protect
def _household_import(request: HttpRequest, limit: UploadLimit) -> HttpResponse:
    if request.method != "POST":
        return _import_page(request, ImportForm())
    form = ImportForm(request.POST, request.FILES, too_big=limit.exceeded)
    if not form.is_valid():
        return _import_page(request, form, status=400)
    try:
        job = imports.import_start(
            village=current_village(request),
            by=request.user,
            upload=form.cleaned_data["file"],
            mode=form.cleaned_data["mode"],
        )
    except ValidationError as exc:
        form.add_error("file", exc)
        return _import_page(request, form, status=400)
    return redirect("household_import_job", pk=job.pk)


@require_GET
@editor_required
def household_import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    village = current_village(request)
    if fmt == "xlsx":
        content, content_type = imports.template_xlsx(village), XLSX
    elif fmt == "csv":
        content, content_type = imports.template_csv(village), CSV
    else:
        raise Http404
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"mau-nhap-ho-gia-dinh.{fmt}"
    )
    return response


def _job(request: HttpRequest, pk: Any) -> ImportJob:
    jobs = ImportJob.objects.select_related("village")
    return access_object(jobs, user=request.user, roles=EDITOR_ROLES, pk=pk)


@require_GET
@login_required
def household_import_job(request: HttpRequest, pk: Any) -> HttpResponse:
    """A job's state: progress while it works, then the check's report, then the result."""
    job = _job(request, pk)
    errors = [{**e, "message": imports.error_text(e)} for e in job.errors[:300]]
    skipped = list(dict.fromkeys(e["household"] for e in job.errors if e.get("household")))
    working = job.status in (ImportJob.Status.CHECKING, ImportJob.Status.RUNNING)
    return render(
        request,
        "households/import_job.html",
        {
            "job": job,
            "progress": imports.job_progress(job),
            "refresh": working,
            "errors": errors,
            "more_errors": max(0, len(job.errors) - len(errors)),
            "skipped": skipped,
            "invalid_rows": job.total_rows - job.valid_rows,
            "cancelled": any(e.get("code") == "cancelled" for e in job.errors),
            "headers": imports.HEADERS,
        },
    )


@require_POST
@login_required
def household_import_confirm(request: HttpRequest, pk: Any) -> HttpResponse:
    job = _job(request, pk)
    try:
        imports.import_confirm(job=job, by=request.user, mode=request.POST.get("mode") or None)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("household_import_job", pk=job.pk)


@require_POST
@login_required
def household_import_cancel(request: HttpRequest, pk: Any) -> HttpResponse:
    job = _job(request, pk)
    try:
        imports.import_cancel(job=job, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("household_import_job", pk=job.pk)
    messages.success(request, _("The import was cancelled; nothing was written."))
    return redirect("household_import")


@require_GET
@staff_required
def household_export(request: HttpRequest) -> HttpResponse:
    """The household list as filtered, as .csv (default) or .xlsx, with the reader's columns."""
    fmt = request.GET.get("format") or "csv"
    if fmt not in ("csv", "xlsx"):
        return HttpResponseBadRequest(_("Choose the format csv or xlsx."))
    village = current_village(request)
    roles = village_roles(request)
    households = households_filtered(
        user=request.user, village=village, roles=roles, params=request.GET
    ).defer("search_document", "notes")
    plan = exports.export_plan(resident_fields(roles, superuser=request.user.is_superuser))
    rows = exports.export_rows(households, plan)
    name = f"ho-gia-dinh-{slugify(fold(village.name))}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == "csv":
        chunks, content_type = exports.csv_chunks(plan.headers, rows), CSV
    else:
        chunks, content_type = exports.xlsx_chunks(plan.headers, rows), XLSX
    response = StreamingHttpResponse(_streamed(request, chunks), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    return response


def _streamed(request: HttpRequest, chunks: Iterator[bytes]) -> Any:
    """Under ASGI, Django buffers a synchronous iterator whole; hand it an asynchronous one."""
    if isinstance(request, ASGIRequest):
        return _async_chunks(chunks)
    return chunks


async def _async_chunks(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    step = sync_to_async(next, thread_sensitive=True)
    try:
        while True:
            part = await step(chunks, None)
            if part is None:
                break
            yield part
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            await sync_to_async(close, thread_sensitive=True)()
