"""Background work of the feedback app: thin tasks that take ids and call the services."""

import logging
from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from feedback import notify, services
from feedback.models import Event

log = logging.getLogger(__name__)


@shared_task(
    name="feedback.tasks.notify_reporter_task",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    time_limit=60,
    soft_time_limit=50,
)
def notify_reporter_task(event_id: int) -> list[str]:
    """Tell the reporter of one public change, once: the event row is marked in the same
    transaction, so a retry after a crash sends again only if the mark was not committed."""
    with transaction.atomic():
        event = (
            Event.objects.select_for_update(of=("self",))
            .select_related("report__category", "report__village")
            .filter(pk=event_id, public=True, notified_at__isnull=True)
            .first()
        )
        if event is None:
            return []
        channels = notify.notify_reporter(report=event.report, event=event)
        event.notified_at = timezone.now()
        event.save(update_fields=["notified_at"])
    return channels


@shared_task(name="feedback.tasks.reminders_send_task", time_limit=600, soft_time_limit=540)
def reminders_send_task() -> int:
    """Remind assignees and village heads of lapsed deadlines (each lapse once per interval)."""
    return services.reminders_send()


class ZaloRetry(Exception):
    """Zalo could not take the message now; Celery tries again later."""


@shared_task(name="feedback.tasks.zalo_event_process_task", time_limit=120, soft_time_limit=100)
def zalo_event_process_task(zalo_event_id: int) -> str:
    """Turn one event from the village's Zalo OA into (part of) a report, once."""
    from feedback import zalo_inbox

    return zalo_inbox.event_process(event_id=zalo_event_id)


@shared_task(name="feedback.tasks.zalo_events_tidy_task", time_limit=600, soft_time_limit=540)
def zalo_events_tidy_task() -> tuple[int, int]:
    """Handle OA events left waiting, forget old handled ones."""
    from feedback import zalo_inbox

    return zalo_inbox.events_tidy()


def _zalo_send(task: Any, send: Any, **ids: int) -> str:
    from feedback import zalo

    try:
        return send(**ids)
    except zalo.ZaloSendError as exc:
        if exc.retry and not task.request.is_eager:
            raise ZaloRetry(str(exc)) from exc
        if exc.retry:
            # Run in-process (no broker): retrying now would only hold up the request.
            log.warning("Zalo OA message not sent, not retried in-process (%s): %s", ids, exc)
            return ""
        # The person left the OA or has not written for 7 days: Zalo takes no message now.
        log.warning("Zalo OA message not sent (%s): %s", ids, exc)
        return ""


# A message into a Zalo conversation: retried with backoff while Zalo is busy or down.
_ZALO_SEND: dict[str, Any] = {
    "bind": True,
    "autoretry_for": (ZaloRetry,),
    "retry_backoff": True,
    "max_retries": 5,
    "time_limit": 60,
    "soft_time_limit": 50,
}


@shared_task(
    name="feedback.tasks.zalo_reply_task",
    **_ZALO_SEND,
)
def zalo_reply_task(self: Any, event_id: int) -> str:
    """Send a report's tracking code, status change or reply to its Zalo conversation."""
    from feedback import zalo_inbox

    return _zalo_send(self, zalo_inbox.send_reply, event_id=event_id)


@shared_task(
    name="feedback.tasks.zalo_notice_task",
    **_ZALO_SEND,
)
def zalo_notice_task(self: Any, zalo_event_id: int) -> str:
    """Tell the sender why what they sent was not taken (not a photo...)."""
    from feedback import zalo_inbox

    return _zalo_send(self, zalo_inbox.send_notice, zalo_event_id=zalo_event_id)
