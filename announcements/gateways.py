"""Adapters to the SMS and Zalo providers: one HTTP call per message, in each one's protocol.

Each provider is one small class (``announcements/esms.py`` for SMS brand-name through eSMS,
``announcements/zalo.py`` for Zalo ZNS template messages) with two operations:

- ``send(message)``: the provider's message id, or an exception saying what happened:
  ``PermanentError`` (refused for good: bad number, template not approved), ``TransientError``
  (certainly not sent: unreachable, quota, try later), ``UncertainError`` (the request may have
  reached the provider: a timeout after sending, an answer that cannot be read).
- ``recover(message, since)``: after a crash or an uncertain answer, what became of the
  message sent with ``message.request_id``: ``Recovery.SENT`` (with the provider's id),
  ``NOT_SENT`` (safe to send again) or ``UNKNOWN`` (the provider offers no way to know: never
  resend automatically).

Providers do not honour our ``Idempotency-Key``; exactly once rests on the provider's own request
or tracking id, persisted on the delivery row before the call (``Delivery.request_id``).

A second SMS provider is one file with a ``Provider`` subclass, named in ``SMS_PROVIDERS`` and
chosen with ``ANNOUNCEMENTS_SMS_PROVIDER``.

The calls go over a per-process pool of keep-alive connections (urllib3, thread-safe), so
the drain can send a chunk's messages from several threads at once; the sending threads never
touch the database (``prepare`` runs before them, in the drain's thread).
"""

import enum
import hashlib
import hmac
import json
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import urllib3

from announcements.conf import setting


class PermanentError(Exception):
    """The provider refused the message for good (bad number, bad template): do not retry."""


class TransientError(Exception):
    """Certainly not sent: the provider is down, overloaded, out of quota. Try again later."""

    def __init__(self, message: str, *, retry_at: datetime | None = None) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class TokenExpiredError(TransientError):
    """The provider refused our access token: refresh it, then try again (nothing was sent)."""


class UncertainError(Exception):
    """The request may have reached the provider: ask it (``recover``) before sending again."""


class Recovery(enum.Enum):
    SENT = "sent"
    NOT_SENT = "not_sent"
    UNKNOWN = "unknown"


@dataclass
class Message:
    key: str  # our stable key for the row (``vp-ann-<id>``)
    to: str
    text: str
    title: str = ""
    request_id: str = ""  # the provider's request/tracking id, persisted before the call
    kind: str = ""
    fields: dict[str, str] = field(default_factory=dict)  # what templates may be filled with
    resident_id: int | None = None
    # Another address the provider chose in ``route`` (the person's Zalo id for the OA).
    route: str = ""


_pool_lock = threading.Lock()
_pool: tuple[int, int, urllib3.PoolManager] | None = None


def http_pool() -> urllib3.PoolManager:
    """The worker process's keep-alive connections to the providers, shared by its threads.

    One pool per process (a forked child builds its own), with as many connections per host as
    the drain has sending threads. Only a failure to connect is tried again on a fresh
    connection (nothing was sent then); a request that may have been read by the provider is
    never repeated here, since providers do not recognise a repeated request by our key.
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
                        retries=urllib3.Retry(
                            total=1, connect=1, read=0, other=0, status=0, redirect=0
                        ),
                    ),
                )
    return _pool[2]


def call(
    method: str,
    url: str,
    *,
    timeout: float,
    fields: dict[str, str] | None = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """One HTTP call: (status, parsed JSON or None), or the error saying whether it may have
    reached the other side (``UncertainError``) or certainly not (``TransientError``)."""
    try:
        response = http_pool().request(
            method, url, body=body, fields=fields, headers=headers, timeout=timeout
        )
    except (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError) as exc:
        raise TransientError(f"provider unreachable: {type(exc).__name__}") from exc
    except urllib3.exceptions.MaxRetryError as exc:
        reason = exc.reason
        if isinstance(
            reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError
        ):
            raise TransientError(f"provider unreachable: {type(reason).__name__}") from exc
        raise UncertainError(f"no answer from the provider: {type(reason).__name__}") from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise UncertainError(f"no answer from the provider: {type(exc).__name__}") from exc
    try:
        data = json.loads(response.data)
    except ValueError:
        data = None
    return response.status, data


class Provider:
    """One provider's protocol. Subclasses set ``channel`` and ``name`` and implement ``send``."""

    channel = ""
    name = ""

    def __init__(self) -> None:
        self.timeout = setting("ANNOUNCEMENTS_GATEWAY_TIMEOUT")

    @property
    def configured(self) -> bool:
        raise NotImplementedError

    def prepare(self) -> None:
        """Before a chunk is sent, in the drain's thread: fetch tokens, templates (database)."""

    def route(self, messages: list["Message"]) -> None:
        """Before a chunk is sent, in the drain's thread: choose each message's way where the
        provider has more than one (``Message.route``)."""

    def load(self, messages: list["Message"]) -> None:
        """Before a chunk is sent, in the drain's thread: what its messages need from the
        database (Web Push: each recipient's devices)."""

    def after_chunk(self, errors: list[Exception]) -> None:
        """After a chunk, in the drain's thread: react to what the sends said (token refused)."""

    def send(self, message: Message) -> str:
        raise NotImplementedError

    def recover(self, message: Message, since: datetime | None) -> tuple[Recovery, str]:
        """What became of the message sent earlier with ``message.request_id``; by default the
        provider cannot be asked, so nobody can know."""
        return Recovery.UNKNOWN, ""


def _sms_providers() -> dict[str, type[Provider]]:
    from announcements.esms import EsmsProvider

    return {"esms": EsmsProvider}


def _zalo_provider() -> type[Provider]:
    from announcements.zalo import ZnsProvider

    return ZnsProvider


def _webpush_provider() -> type[Provider]:
    from announcements.webpush import WebPushProvider

    return WebPushProvider


# The channels sent through an HTTP provider.
GATEWAYS = ("sms", "zalo", "webpush")


def gateway_for(channel: str) -> Provider:
    if channel == "sms":
        name = setting("ANNOUNCEMENTS_SMS_PROVIDER")
        providers = _sms_providers()
        if name not in providers:
            raise ValueError(f"unknown SMS provider {name!r}")
        return providers[name]()
    if channel == "zalo":
        return _zalo_provider()()
    if channel == "webpush":
        return _webpush_provider()()
    raise KeyError(channel)


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
