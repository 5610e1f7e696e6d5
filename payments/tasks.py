"""Background jobs of the adoption app."""

from celery import shared_task

from payments import imports
from payments.models import AdoptionImport


@shared_task(time_limit=30 * 60, soft_time_limit=28 * 60)
def import_run_task(job_id: str) -> str:
    """Write a confirmed import; a no-op once the job has left RUNNING, so it may run twice."""
    job = AdoptionImport.objects.filter(pk=job_id).first()
    if job is None:
        return ""
    job = imports.import_run(job=job)
    return job.status if job is not None else ""
