"""Background jobs: nightly snapshots and large exports."""

from celery import shared_task

from reports import services


@shared_task(time_limit=60 * 60, soft_time_limit=55 * 60)
def snapshots_take_task() -> int:
    """Every village's figures for today; running it twice in a day replaces the day's rows."""
    return services.snapshots_take()


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60)
def exports_purge_task() -> int:
    """Export files are kept a week: a download link is not an archive."""
    return services.exports_purge()


@shared_task(time_limit=30 * 60, soft_time_limit=28 * 60)
def export_run_task(job_id: str) -> str:
    """Write an export job's file; a no-op once the job has finished, so it may run twice."""
    job = services.export_run(job_id=job_id)
    return job.status if job else ""
