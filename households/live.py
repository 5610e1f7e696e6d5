"""Live events: what an open village dashboard is told, through the channel layer."""

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from households.models import Village


def village_group_name(village_id: Any) -> str:
    return f"village-{village_id}"


def village_live_notify(*, village: Village, kind: str, message: str, **data: Any) -> None:
    """Push an event to every open dashboard of ``village``, once the transaction commits."""
    payload = {"kind": kind, "message": str(message), **data}
    group = village_group_name(village.pk)

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(group, {"type": "live.event", "payload": payload})

    transaction.on_commit(send)
