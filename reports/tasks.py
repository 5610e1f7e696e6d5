"""Background jobs: nightly snapshots and large exports."""

import io
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


def _source(job: ExportJob) -> exports.Source:
    """A closed period's frozen figures, else the figures computed as of the job's date."""
    if job.commune_id:
        place = f"{job.commune.name}, {job.commune.province.name}"
        if job.period_id:
            return exports.for_period(job.period, place=place)
        villages = Village.objects.filter(commune=job.commune)
    else:
        place = job.province.name
        villages = Village.objects.filter(commune__province=job.province)
    return exports.live(
        criteria_set=job.criteria_set, villages=villages, as_of=job.as_of, place=place
    )


@shared_task(time_limit=30 * 60, soft_time_limit=28 * 60)
def export_run_task(job_id: str) -> str:
    """Write an export job's file; a no-op once the job has finished, so it may run twice."""
    updated = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.PENDING).update(
        status=ExportJob.Status.RUNNING
    )
    job = (
        ExportJob.objects.select_related(
            "commune__province", "province", "criteria_set", "period__commune"
        )
        .filter(pk=job_id)
        .first()
    )
    if job is None or not updated:
        return job.status if job else ""
    try:
        with override("vi"), tempfile.TemporaryFile() as handle:
            source = _source(job)
            if job.fmt == "csv":
                text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
                exports.write_csv(text, source=source, progress=_progress(job_id))
                text.flush()
                text.detach()
            else:
                writer = exports.write_xlsx if job.fmt == "xlsx" else exports.write_pdf
                writer(handle, source=source, progress=_progress(job_id))
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
