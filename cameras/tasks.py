"""The periodic probe of every enabled camera."""

from celery import shared_task
from django.core.cache import cache

from cameras import conf, status

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
