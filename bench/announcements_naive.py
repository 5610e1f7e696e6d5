"""The naive delivery design, for the benchmark only: one Celery task per recipient.

Imported by the benchmark's workers (``celery worker --include bench.announcements_naive``);
running this file does nothing.
"""

from celery import shared_task


@shared_task(acks_late=True, time_limit=60, soft_time_limit=50)
def naive_send_task(delivery_id: int) -> str:
    import secrets

    from django.db import transaction
    from django.utils import timezone

    from announcements.gateways import Message, gateway_for
    from announcements.models import Delivery

    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("announcement")
            .filter(pk=delivery_id, status=Delivery.Status.QUEUED)
            .first()
        )
        if delivery is None:
            return "skipped"
        delivery.request_id = delivery.request_id or f"vp-{delivery.pk}-{secrets.token_hex(4)}"
        delivery.gateway_ref = gateway_for("sms").send(
            Message(
                key=delivery.idempotency_key,
                to=delivery.address,
                text=f"{delivery.announcement.title}: {delivery.announcement.body}",
                request_id=delivery.request_id,
            )
        )
        delivery.status = Delivery.Status.SENT
        delivery.sent_at = timezone.now()
        delivery.attempts += 1
        delivery.save(update_fields=["gateway_ref", "request_id", "status", "sent_at", "attempts"])
    return "sent"
