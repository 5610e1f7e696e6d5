"""Background work of the feedback app: thin tasks that take ids and call the services."""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from feedback import notify, services
from feedback.models import Event


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
