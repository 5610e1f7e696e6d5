"""The life of a registry import job: start, progress, confirm, cancel, expire.

An upload is checked first (``households.imports.check``), now if it is small, otherwise by
a worker, and written (``households.imports.write``) only when the user confirms. The
uploaded file is kept only while the job needs it and removed when it ends.
"""

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext

from households.imports.fileformat import error
from households.models import ImportJob, Village
from villageportal.jobs import enqueue
from villageportal.spreadsheets import validate_upload

logger = logging.getLogger(__name__)

# Files up to this size are checked during the upload request; larger ones by a worker.
INLINE_CHECK_MAX_BYTES = 256 * 1024


def set_progress(job: ImportJob, fraction: float) -> None:
    """Report ``fraction`` done; while checking, on the row too (no transaction holds it)."""
    job.report_progress(fraction, store=job.status == ImportJob.Status.CHECKING)


def forget_progress(job: ImportJob) -> None:
    job.forget_progress()


def job_progress(job: ImportJob) -> int:
    """The percentage done; while writing, it lives in the cache (the job row is locked in)."""
    return job.current_progress


def delete_stored(name: str) -> None:
    if not name:
        return
    try:
        ImportJob._meta.get_field("file").storage.delete(name)
    except OSError:
        logger.warning("Could not delete import file %s", name)


def discard_file(job: ImportJob) -> None:
    """Remove the job's file: a job keeps it only while it is needed."""
    job.discard_file()


def finish_job(
    job: ImportJob, *, status: str, errors: list[dict] | None = None, **fields: Any
) -> None:
    discard_file(job)
    if errors is not None:
        fields["errors"] = errors
    job.finish(status=status, **fields)


def import_start(
    *, village: Village, by: Any, upload: UploadedFile, mode: str = ImportJob.Mode.ALL_OR_NOTHING
) -> ImportJob:
    """Store the upload as a job and check it: now if it is small, otherwise by a worker."""
    suffix = "." + validate_upload(upload)
    if mode not in ImportJob.Mode.values:
        mode = ImportJob.Mode.ALL_OR_NOTHING
    job = ImportJob.objects.create(
        village=village,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        original_name=(upload.name or "upload" + suffix)[-255:],
        mode=mode,
        status=ImportJob.Status.CHECKING,
    )
    upload.seek(0)
    job.file.save(f"{job.pk}{suffix}", upload, save=True)
    if (upload.size or 0) <= INLINE_CHECK_MAX_BYTES:
        from households.imports.check import import_check  # the check needs this module

        return import_check(job=job)
    from households.tasks import import_check_task

    enqueue(import_check_task, job)
    return job


def import_confirm(*, job: ImportJob, by: Any, mode: str | None = None) -> ImportJob:
    """Start writing a checked job; all-or-nothing refuses while any row has an error."""
    mode = mode or job.mode
    if mode not in ImportJob.Mode.values:
        raise ValidationError(gettext("Choose how to import."), code="invalid_mode")
    if job.status != ImportJob.Status.CHECKED:
        raise ValidationError(
            gettext("This import is not waiting for confirmation."), code="not_checked"
        )
    if job.valid_rows == 0:
        raise ValidationError(gettext("No row of this file can be imported."), code="no_valid")
    if mode == ImportJob.Mode.ALL_OR_NOTHING and job.valid_rows < job.total_rows:
        raise ValidationError(
            gettext(
                "Some rows have errors, so nothing was written. Correct the file and upload it "
                "again, or choose to import only the valid rows."
            ),
            code="has_errors",
        )
    updated = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKED).update(
        status=ImportJob.Status.RUNNING, mode=mode, progress=0
    )
    if not updated:
        raise ValidationError(
            gettext("This import is not waiting for confirmation."), code="not_checked"
        )
    from households.tasks import import_run_task

    enqueue(import_run_task, job)
    job.refresh_from_db()
    return job


def import_cancel(*, job: ImportJob, by: Any) -> ImportJob:
    """Drop a job that is being checked or waits for confirmation; its file is removed."""
    waiting = (ImportJob.Status.CHECKING, ImportJob.Status.CHECKED)
    if job.status not in waiting or not job.finish(
        status=ImportJob.Status.FAILED,
        only_from=waiting,
        errors=[error("cancelled"), *job.errors],
    ):
        raise ValidationError(gettext("This import can no longer be cancelled."), code="too_late")
    discard_file(job)
    job.refresh_from_db()
    return job
