"""Background jobs of the QR-sign app: building PDF sheets of signs, and removing old ones."""

from celery import shared_task

from qrsigns import services
from qrsigns.models import SheetJob


@shared_task(time_limit=20 * 60, soft_time_limit=19 * 60)
def sheet_build_task(job_id: str) -> str:
    """Build a queued sheet; a no-op once the job has left QUEUED, so it may run twice."""
    job = SheetJob.objects.filter(pk=job_id).first()
    if job is None:
        return ""
    return services.sheet_build(job=job).status


@shared_task
def sheets_purge_task() -> int:
    """Daily: delete sheet PDFs older than ``QRSIGNS_SHEET_KEEP_DAYS``."""
    return services.sheets_purge()
