"""The naive delivery design, for the benchmark only: one Celery task per recipient.

Imported by the benchmark's workers (``celery worker --include bench.announcements_naive``);
running this file does nothing.
"""

from typing import Any

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


@shared_task(bind=True, acks_late=True, time_limit=60, soft_time_limit=50, max_retries=None)
def naive_deliver_task(self: Any, delivery_id: int) -> str:
    """One message on its row's channel (SMS or Zalo ZNS), the way one would write it first:
    lock the row, call the provider, mark it sent, all in one transaction; a refusal that may
    pass (a 429 over the provider's rate limit, an outage) is retried by Celery a second later.

    The provider's request id is the row's own (``vp-naive-<id>``), so a retried send carries
    the same one, as the outbox's do.
    """
    from django.db import transaction
    from django.utils import timezone

    from announcements.gateways import TransientError, gateway_for
    from announcements.models import Delivery
    from announcements.services import message_for

    try:
        with transaction.atomic():
            # Only the row itself: FOR UPDATE with the joined announcement would lock that one
            # row in every task and send one message at a time, whatever the concurrency.
            delivery = (
                Delivery.objects.select_for_update(of=("self",))
                .select_related("announcement__village", "resident")
                .filter(pk=delivery_id, status=Delivery.Status.QUEUED)
                .first()
            )
            if delivery is None:
                return "skipped"
            delivery.request_id = f"vp-naive-{delivery.pk}"
            provider = gateway_for(delivery.channel)
            provider.prepare()  # the ZNS template and the OA's access token, for each message
            try:
                delivery.gateway_ref = provider.send(message_for(delivery))
            except TransientError as exc:
                provider.after_chunk([exc])  # a refused ZNS token is refreshed
                raise
            delivery.status = Delivery.Status.SENT
            delivery.sent_at = timezone.now()
            delivery.attempts += 1
            delivery.save(
                update_fields=["gateway_ref", "request_id", "status", "sent_at", "attempts"]
            )
    except TransientError as exc:
        raise self.retry(countdown=1) from exc
    return "sent"
