"""Background jobs: draining the outbox, sending what is due, watching the loudspeakers.

Tasks take ids or channel names, re-read their rows and call a service; each may run twice.
"""

import time
from collections.abc import Iterable

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from announcements import services
from announcements.conf import setting
from announcements.models import Channel, Delivery


def deliveries_dispatch(channels: Iterable[str], queue: str | None = None) -> None:
    """Start draining: a few drain tasks per channel, which share the rows (SKIP LOCKED)."""
    options = {"queue": queue} if queue else {}
    for channel in channels:
        for _ in range(setting("ANNOUNCEMENTS_DRAIN_WORKERS")):
            deliveries_drain_task.apply_async(args=[channel], **options)


@shared_task(bind=True, time_limit=600, soft_time_limit=590, acks_late=True)
def deliveries_drain_task(self: object, channel: str, budget_seconds: float = 60) -> int:
    """Drain ``channel`` until nothing is ready or the budget is spent, then hand over."""
    if channel not in Channel.values:
        return 0
    deadline = time.monotonic() + budget_seconds
    handled = 0
    while time.monotonic() < deadline:
        count = services.deliveries_drain(channel=channel)
        handled += count
        if count == 0:
            break
    from villageportal.celery import app

    if app.conf.task_always_eager:
        return handled
    queue = (getattr(self.request, "delivery_info", None) or {}).get("routing_key")  # type: ignore[attr-defined]
    options = {"queue": queue} if queue else {}
    next_due = services.deliveries_next_due(channel)
    if next_due is not None:
        countdown = max(0.0, (next_due - timezone.now()).total_seconds())
        # One successor per channel and due second, however many drains end now.
        key = f"announcements:drain-next:{channel}:{int(next_due.timestamp())}"
        if cache.add(key, 1, timeout=int(countdown) + 60):
            deliveries_drain_task.apply_async(args=[channel], countdown=countdown, **options)
    return handled


@shared_task(time_limit=60, soft_time_limit=50)
def deliveries_kick_task() -> int:
    """Every minute: start draining any channel with ready rows or rows whose sender died."""
    channels = list(
        Delivery.objects.filter(
            status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING],
            next_attempt_at__lte=timezone.now(),
        )
        .values_list("channel", flat=True)
        .distinct()
    )
    deliveries_dispatch(channels)
    return len(channels)


@shared_task(time_limit=300, soft_time_limit=280)
def announcements_send_due_task() -> int:
    """Every minute: send scheduled announcements and event reminders whose time has come."""
    return services.announcements_send_due()


@shared_task(time_limit=600, soft_time_limit=590)
def speaker_items_render_task(announcement_id: int) -> int:
    from announcements import speakers

    return speakers.items_render(announcement_id=announcement_id)
