"""Background jobs: nightly snapshots and large exports."""

import tempfile
from collections.abc import Callable

from celery import shared_task
from django.core.files import File
from django.utils import timezone
from django.utils.translation import override

from households.models import Village
from reports import exports, services
from reports.models import ExportJob


@shared_task(time_limit=60 * 60, soft_time_limit=55 * 60)
def snapshots_take_task() -> int:
    """Every village's figures for today; running it twice in a day replaces the day's rows."""
    return services.snapshots_take()


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60)
def exports_purge_task() -> int:
    """Export files are kept a week: a download link is not an archive."""
    return services.exports_purge()


def _progress(job_id: str) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        ExportJob.objects.filter(pk=job_id).update(progress=min(99, int(100 * done / total)))

    return report


@shared_task(time_limit=30 * 60, soft_time_limit=28 * 60)
def export_run_task(job_id: str) -> str:
    """Write an export job's file; a no-op once the job has finished, so it may run twice."""
    updated = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.PENDING).update(
        status=ExportJob.Status.RUNNING
    )
    job = (
        ExportJob.objects.select_related("commune__province", "province", "criteria_set")
        .filter(pk=job_id)
        .first()
    )
    if job is None or not updated:
        return job.status if job else ""
    if job.commune_id:
        villages = Village.objects.filter(commune=job.commune)
        place = f"{job.commune.name}, {job.commune.province.name}"
    else:
        villages = Village.objects.filter(commune__province=job.province)
        place = job.province.name
    try:
        with override("vi"), tempfile.TemporaryFile() as handle:
            if job.fmt == "csv":
                import io

                text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
                exports.write_csv(
                    text,
                    criteria_set=job.criteria_set,
                    villages=villages,
                    as_of=job.as_of,
                    progress=_progress(job_id),
                )
                text.flush()
                text.detach()
            else:
                writer = exports.write_xlsx if job.fmt == "xlsx" else exports.write_pdf
                writer(
                    handle,
                    criteria_set=job.criteria_set,
                    villages=villages,
                    as_of=job.as_of,
                    place=place,
                    progress=_progress(job_id),
                )
            handle.seek(0)
            name = f"bao-cao-thon-thong-minh-{job.as_of:%Y%m%d}.{job.fmt}"
            job.file.save(name, File(handle), save=False)
    except Exception as exc:
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED, error=str(exc)[:255], finished_at=timezone.now()
        )
        raise
    ExportJob.objects.filter(pk=job_id).update(
        file=job.file.name,
        status=ExportJob.Status.DONE,
        progress=100,
        finished_at=timezone.now(),
    )
    return ExportJob.Status.DONE
