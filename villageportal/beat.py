"""Celery beat's scheduler: the schedules kept in the database, and a heartbeat on every tick."""

from typing import Any

from django_celery_beat.schedulers import DatabaseScheduler

from villageportal import heartbeat


class HeartbeatScheduler(DatabaseScheduler):
    """django-celery-beat's DatabaseScheduler that shows on every tick that it still runs."""

    def tick(self, *args: Any, **kwargs: Any) -> float:
        interval = super().tick(*args, **kwargs)
        heartbeat.beat()
        return interval
