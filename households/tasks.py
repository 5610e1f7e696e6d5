"""Background jobs of the registry: checking and writing spreadsheet imports."""

from celery import shared_task

from households import imports
from households.models import ImportJob
from villageportal.jobs import expire_waiting


@shared_task(time_limit=15 * 60, soft_time_limit=14 * 60)
def import_check_task(job_id: str) -> str:
    """The dry run of an upload; a no-op unless the job is still being checked."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return ""
    return imports.import_check(job=job).status


@shared_task(time_limit=30 * 60, soft_time_limit=28 * 60)
def import_run_task(job_id: str) -> str:
    """Write a confirmed import; a no-op once the job has left RUNNING, so it may run twice."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return ""
    return imports.import_run(job=job).status


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60)
def jobs_expire_task() -> int:
    """End the background jobs of every kind left waiting for a person for a day (registry,
    adoption and camera imports nobody confirmed), letting go of their files and rows."""
    return expire_waiting()
