"""Live events of a person's announcement feed, through the channel layer."""

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def feed_group_name(user_id: Any) -> str:
    return f"announcements-feed-{user_id}"


def feed_notify(*, user_id: Any, title: str, code: str) -> None:
    """Push a new announcement to the user's open pages (called after commit)."""
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(
        feed_group_name(user_id),
        {
            "type": "live.event",
            "payload": {"kind": "announcement", "message": str(title), "code": code},
        },
    )
