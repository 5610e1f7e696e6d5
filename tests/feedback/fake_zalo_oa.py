"""A local Zalo Official Account API on loopback: the OAuth token endpoint of
``tests.announcements.fake_zalo`` plus the customer-service message endpoint and a photo CDN,
answering as Zalo documents them; and the webhook events Zalo sends, signed as it signs them.

Shapes and codes, with where they come from (see also feedback/zalo.py):

- ``POST /v3.0/oa/message/cs`` ("Gửi tin Tư vấn", OA API v3; Chatwoot's
  ``ZaloOa::MessageSender``): header ``access_token``, body ``{"recipient": {"user_id"},
  "message": {"text"}}``; the answer ``{"error": 0, "message": "Success", "data":
  {"message_id", "user_id", "quota": {...}}}``, else HTTP 200 with ``{"error": <code>,
  "message"}``: -216 "Access token is invalid", -201 "Parameters are invalid", -213 "User
  has not followed the OA" (the person never wrote or followed), -230 "User has not
  interacted with the OA in the past 7 days" (subiz's "Xử lý lỗi trên Zalo OA"), -32 "Exceed
  rate limit" (Chatwoot's ``ZaloOa::MessageSender`` retries it).
- Webhook events (developers.zalo.me "Webhook"; Chatwoot's ``ZaloOa::IncomingMessageService``
  and the redai-zalo-sdk's ``types/webhook.d.ts``): ``app_id``, ``user_id_by_app``,
  ``event_name``, ``timestamp`` in milliseconds as a string, ``sender.id`` (the person),
  ``recipient.id`` (the OA), ``message.msg_id``, ``message.text``, and for photos and places
  ``message.attachments[0].payload.url`` / ``.payload.coordinates.{latitude, longitude}``;
  ``follow`` has ``follower.id`` and ``oa_id``; ``user_submit_info`` has ``info.{name, phone,
  address, city, district, ward}``. Signed in ``X-ZEvent-Signature`` as ``"mac=" +
  sha256(app_id + body + timestamp + OA secret key)``.
- Receipts (``receipt``): ``user_received_message`` for a ZNS carries ``message.{msg_id,
  tracking_id, delivery_time}`` (developers.zalo.me, "Webhook ZNS", the event sent when a ZNS
  reaches the person's phone; a public project's notes tell it from the OA one by
  ``delivery_time``), for an OA message ``message.msg_id`` only; ``user_seen_message`` carries
  ``message.msg_ids`` (the redai-zalo-sdk's ``types/webhook.d.ts``, ``UserSeenMessageEvent``).
  Both come from the OA (``sender.id``) to the person (``recipient.id``).
"""

import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.announcements.fake_zalo import TOKEN_KEY, FakeZalo, ZaloState

CS = "/v3.0/oa/message/cs"
OA_ID = "579745863508352884"
OA_SECRET = "oa-secret-key-of-the-village"


@dataclass
class OAState(ZaloState):
    followers: set[str] = field(default_factory=set)  # people the OA may write to
    silent: set[str] = field(default_factory=set)  # followers who have not written for 7 days
    rate_limited: int = 0  # the next N messages are refused with -32
    sent: list[dict[str, Any]] = field(default_factory=list)  # customer-service messages
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # path -> (body, type)


class FakeZaloOA(FakeZalo):
    state: OAState

    def __init__(self) -> None:
        super().__init__()
        self.state = OAState()

    def env(self) -> dict[str, Any]:
        return {
            **super().env(),
            "ANNOUNCEMENTS_TOKEN_KEY": [TOKEN_KEY],
            "FEEDBACK_ZALO_OA_URL": self.url,
            "FEEDBACK_ZALO_OA_SECRET": OA_SECRET,
            "FEEDBACK_ZALO_MEDIA_HOSTS": [self.url],
        }

    def route(self, method: str, path: str, headers: Any, raw: bytes, query: dict) -> Any:
        if method == "POST" and path == CS:
            return self.cs(headers, raw)
        if method == "GET" and path in self.state.media:
            return 200, self.state.media[path][0]
        return super().route(method, path, headers, raw, query)

    def cs(self, headers: Any, raw: bytes) -> Any:
        state = self.state
        with state.lock:
            state.requests += 1
            self.common_failures()
            if headers.get("access_token") not in state.access_tokens:
                return 200, {"error": -216, "message": "Access token is invalid"}
            try:
                data = json.loads(raw)
                user_id = str(data["recipient"]["user_id"])
                text = data["message"]["text"]
            except (ValueError, KeyError, TypeError):
                return 200, {"error": -201, "message": "Parameters are invalid"}
            if not isinstance(text, str) or not text or len(text) > 2000:
                return 200, {"error": -201, "message": "Parameters are invalid"}
            if state.rate_limited > 0:
                state.rate_limited -= 1
                return 200, {"error": -32, "message": "Exceed rate limit"}
            if user_id not in state.followers:
                return 200, {"error": -213, "message": "User has not followed the OA"}
            if user_id in state.silent:
                return 200, {
                    "error": -230,
                    "message": "User has not interacted with the OA in the past 7 days",
                }
            message_id = uuid.uuid4().hex
            state.sent.append({"message_id": message_id, "user_id": user_id, "text": text})
        return 200, {
            "error": 0,
            "message": "Success",
            "data": {
                "message_id": message_id,
                "user_id": user_id,
                "quota": {"quota_type": "reply", "remain": "7", "total": "8"},
            },
        }

    def texts_to(self, user_id: str) -> list[str]:
        return [m["text"] for m in self.state.sent if m["user_id"] == user_id]

    def serve(self, path: str, body: bytes, content_type: str = "image/jpeg") -> str:
        """Put a file on the fake CDN; its URL."""
        self.state.media[path] = (body, content_type)
        return self.url + path


def event(
    name: str,
    user_id: str,
    *,
    app_id: str = "zalo-app-1",
    timestamp_ms: int | None = None,
    msg_id: str | None = None,
    text: str | None = None,
    attachment: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One webhook event as Zalo sends it."""
    body: dict[str, Any] = {
        "app_id": app_id,
        "user_id_by_app": "app-scoped-" + user_id,
        "event_name": name,
        "timestamp": str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)),
    }
    if name in ("follow", "unfollow"):
        body.update({"oa_id": OA_ID, "follower": {"id": user_id}, "source": "oa_profile"})
    else:
        body.update({"sender": {"id": user_id}, "recipient": {"id": OA_ID}})
    if name.startswith("user_send_"):
        message: dict[str, Any] = {"msg_id": msg_id or uuid.uuid4().hex}
        if text is not None:
            message["text"] = text
        if attachment is not None:
            message["attachments"] = [attachment]
        body["message"] = message
    body.update(extra)
    return body


def signed(body: dict[str, Any] | bytes, *, secret: str = OA_SECRET) -> tuple[bytes, str]:
    """The raw body and its ``X-ZEvent-Signature``."""
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    parsed = json.loads(raw)
    seed = parsed["app_id"].encode() + raw + parsed["timestamp"].encode() + secret.encode()
    return raw, "mac=" + hashlib.sha256(seed).hexdigest()


def receipt(
    name: str,
    user_id: str,
    *,
    msg_id: str = "",
    tracking_id: str = "",
    msg_ids: list[str] | None = None,
    delivery_time_ms: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A receipt for a message the OA (or ZNS) sent to ``user_id``, as Zalo sends it."""
    body = event(name, user_id, **extra)
    body.update({"sender": {"id": OA_ID}, "recipient": {"id": user_id}})
    message: dict[str, Any] = {}
    if name == "user_seen_message":
        message["msg_ids"] = msg_ids or [msg_id]
    else:
        message["msg_id"] = msg_id
        if tracking_id:
            message["tracking_id"] = tracking_id
            message["delivery_time"] = str(
                delivery_time_ms if delivery_time_ms is not None else int(time.time() * 1000)
            )
    body["message"] = message
    return body
