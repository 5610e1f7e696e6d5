"""Background jobs of the camera app: the periodic probe, and writing a long camera list."""

from celery import shared_task
from django.core.cache import cache

from cameras import conf, io, status
from cameras.models import ImportJob

LOCK = "cameras:probe:running"


@shared_task(time_limit=300, soft_time_limit=240)
def cameras_probe_task() -> dict:
    """Probe all enabled cameras once; a run still going makes the next one a no-op."""
    lock_seconds = int(conf.probe_interval() * 4) or 240
    if not cache.add(LOCK, "1", timeout=lock_seconds):
        return {"skipped": True}
    try:
        return status.probe_cameras()
    finally:
        cache.delete(LOCK)


@shared_task(time_limit=30 * 60, soft_time_limit=28 * 60)
def import_run_task(job_id: str) -> str:
    """Write a confirmed camera list; a no-op once the job has left RUNNING, so it may run twice."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return ""
    return io.import_run(job=job).status
