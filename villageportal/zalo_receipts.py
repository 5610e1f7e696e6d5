"""Zalo's receipts for messages the portal sent, handed from the one webhook to the app that
sent them.

One Zalo app serves the village both ways: its webhook (feedback's, the OA conversation) also
receives ``user_received_message`` and ``user_seen_message`` for the ZNS and OA messages that
announcements sent. The webhook checks signature, age and shape as for every event, then hands
a receipt to the handler registered here for its name, without knowing which app that is; the
sending app registers its handler when it starts (``AppConfig.ready``).

A handler takes the parsed event and returns a short word for the log and the answer
("delivered", "read", "duplicate", "unknown"...). It must be idempotent (Zalo retries) and
quick (Zalo waits two seconds).
"""

from collections.abc import Callable
from typing import Any

Handler = Callable[[dict[str, Any]], str]
_handlers: dict[str, Handler] = {}


def register(event_name: str, handler: Handler) -> None:
    _handlers[event_name] = handler


def handles(event_name: str) -> bool:
    return event_name in _handlers


def dispatch(payload: dict[str, Any]) -> str:
    return _handlers[str(payload.get("event_name"))](payload)
