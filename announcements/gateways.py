"""Adapters to the SMS and Zalo gateways: one HTTP call per message, with its idempotency key.

The calls go over a per-process pool of keep-alive connections (urllib3, thread-safe), so
the drain can send a chunk's messages from several threads at once.

The protocol (the common shape of Vietnamese SMS brand-name and Zalo ZNS gateways):
``POST <url>`` with a JSON body ``{"to", "text"}`` (Zalo adds ``template_id`` and
``template_data``), ``Authorization: Bearer <token>`` and ``Idempotency-Key: <key>``; a 2xx
answer carries ``{"message_id": ...}``. The same key sent twice is one message at the gateway.
Delivery receipts come back on a webhook signed with HMAC-SHA256.
"""

import hashlib
import hmac
import json
import os
import threading
from dataclasses import dataclass
from typing import Any

import urllib3

from accounts.phones import looks_like_phone, normalize_phone
from announcements.conf import setting


class PermanentError(Exception):
    """The gateway refused the message for good (bad number, bad template): do not retry."""


class TransientError(Exception):
    """The gateway is down, slow, overloaded or answered garbage: try again later."""


@dataclass
class Message:
    key: str
    to: str
    text: str
    title: str = ""


_pool_lock = threading.Lock()
_pool: tuple[int, int, urllib3.PoolManager] | None = None


def http_pool() -> urllib3.PoolManager:
    """The worker process's keep-alive connections to the gateways, shared by its threads.

    One pool per process (a forked child builds its own), with as many connections per host as
    the drain has sending threads. A request whose connection breaks (a keep-alive connection
    the gateway closed, say) is tried once more on a fresh one: the idempotency key makes the
    resend harmless. Answers with an error status are not retried here but by the drain.
    """
    global _pool
    size = max(1, setting("ANNOUNCEMENTS_SEND_THREADS"))
    key = (os.getpid(), size)
    if _pool is None or _pool[:2] != key:
        with _pool_lock:
            if _pool is None or _pool[:2] != key:
                _pool = (
                    *key,
                    urllib3.PoolManager(
                        num_pools=4,
                        maxsize=size,
                        block=True,
                        retries=urllib3.Retry(total=1, redirect=0, allowed_methods=None),
                    ),
                )
    return _pool[2]


class HttpGateway:
    channel = ""
    prefix = ""

    def __init__(self) -> None:
        self.url = setting(f"ANNOUNCEMENTS_{self.prefix}_URL")
        self.token = setting(f"ANNOUNCEMENTS_{self.prefix}_TOKEN")
        self.timeout = setting("ANNOUNCEMENTS_GATEWAY_TIMEOUT")

    @property
    def configured(self) -> bool:
        return bool(self.url)

    def payload(self, message: Message) -> dict[str, Any]:
        return {"to": message.to, "text": message.text}

    def send(self, message: Message) -> str:
        """Send one message; the gateway's message id, or an exception saying what went wrong."""
        if not looks_like_phone(message.to):
            raise PermanentError("invalid phone number")
        message.to = normalize_phone(message.to)
        try:
            response = http_pool().request(
                "POST",
                self.url,
                body=json.dumps(self.payload(message)).encode(),
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {self.token}",
                    "Idempotency-Key": message.key,
                },
                timeout=self.timeout,
            )
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise TransientError(f"gateway unreachable: {type(reason).__name__}") from exc
        status = response.status
        if status == 429 or status >= 500:
            raise TransientError(f"gateway error {status}")
        try:
            data = json.loads(response.data)
        except ValueError:
            data = None
        if 400 <= status < 500:
            error = data.get("error") if isinstance(data, dict) else None
            raise PermanentError(f"refused by the gateway: {str(error or status)[:150]}")
        if not isinstance(data, dict) or not isinstance(data.get("message_id"), str | int):
            raise TransientError("gateway answered something that is not a receipt")
        return str(data["message_id"])[:100]


class SmsGateway(HttpGateway):
    channel = "sms"
    prefix = "SMS"


class ZaloGateway(HttpGateway):
    channel = "zalo"
    prefix = "ZALO"

    def payload(self, message: Message) -> dict[str, Any]:
        return {
            "to": message.to,
            "template_id": setting("ANNOUNCEMENTS_ZALO_TEMPLATE_ID"),
            "template_data": {"title": message.title, "content": message.text},
            "text": message.text,
        }


GATEWAYS = {"sms": SmsGateway, "zalo": ZaloGateway}


def gateway_for(channel: str) -> HttpGateway:
    return GATEWAYS[channel]()


def channel_configured(channel: str) -> bool:
    if channel in GATEWAYS:
        return gateway_for(channel).configured
    return True


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(channel: str, body: bytes, signature: str) -> bool:
    secret = setting(f"ANNOUNCEMENTS_{channel.upper()}_WEBHOOK_SECRET")
    if not secret or not signature:
        return False
    return hmac.compare_digest(sign(secret, body), signature.strip().lower())
