"""Web Push to the phones where a resident switched notifications on, through pywebpush.

- Each message is encrypted for one device with its ``p256dh`` key and ``auth`` secret as
  ``aes128gcm`` (RFC 8291, RFC 8188) and signed with the portal's VAPID key (RFC 8292), then
  POSTed to the device's push service endpoint with ``TTL`` and ``Urgency`` (RFC 8030,
  sections 5 and 5.3). pywebpush does both (``pywebpush.webpush``; the timeout is passed on to
  ``requests``, and a ``requests.Session`` per sending thread keeps the connections open).
- A delivery row is one resident on this channel; it goes to each of their live subscriptions.
  The push service's 201 means it took the message: the row is "sent" if any device's service
  took it. The service worker POSTs a receipt when the phone shows the notification
  ("delivered") and when the person taps it ("read"), with the token the payload carries.
- 404 and 410 mean the subscription is gone (RFC 8030, section 7.3; RFC 8292 for 403 on a
  VAPID key the subscription was not made with): its row is deleted after the chunk. 429 and
  5xx are tried again later, after ``Retry-After`` when given; 400 and 413 are permanent.
- Several devices, one row: when some took the message and others answered 429, the row is
  sent (the person is reached) and the others are not tried again. A row sent again (after an
  uncertain answer, or recovered) shows once: the notification's tag is the announcement's
  code, so a repeated message replaces the shown one instead of adding a second; and its
  ``Topic`` (RFC 8030, section 5.4) is the announcement's code too, so a repeat sent while the
  phone is off replaces the first at the push service and the phone receives one. A phone
  that showed the first and whose owner already dismissed it shows the repeat again: that is
  the one duplicate this design allows, after a crash in the middle of a send.
- Quiet hours hold as for SMS and Zalo: the message waits until they end, except emergency
  alerts (``services._held_back``), which go with ``Urgency: high``.
"""

import base64
import binascii
import hashlib
import hmac
import json
import threading
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from announcements.conf import setting
from announcements.gateways import (
    Message,
    PermanentError,
    Provider,
    Recovery,
    TransientError,
    UncertainError,
)

BODY_LENGTH = 200
GONE = {404, 410}
RETRY = {429, 500, 502, 503, 504}
# Each sending thread's keep-alive connections to the push services, kept across chunks.
_local = threading.local()


# Subscriptions as the browser sends them ---------------------------------------------------------


def _b64url(value: Any) -> bytes | None:
    if not isinstance(value, str) or not value or len(value) > 200:
        return None
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def _on_curve(point: bytes) -> bool:
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        return False
    return True


def subscription_clean(data: Any) -> dict[str, str]:
    """The browser's ``PushSubscription.toJSON()``, checked: endpoint, p256dh and auth.

    The endpoint must be https (a push service; http://127.0.0.1 only where the tests' local
    push service is allowed); ``p256dh`` an uncompressed P-256 point (65 bytes, 0x04 first) and
    ``auth`` 16 bytes, both base64url (W3C Push API; RFC 8291, section 3).
    """
    if not isinstance(data, dict):
        raise ValidationError(_("The browser sent a subscription that cannot be read."))
    endpoint = data.get("endpoint")
    keys = data.get("keys")
    if not isinstance(endpoint, str) or not isinstance(keys, dict):
        raise ValidationError(_("The browser sent a subscription that cannot be read."))
    parts = urlsplit(endpoint)
    local = (
        parts.scheme == "http"
        and parts.hostname == "127.0.0.1"
        and setting("WEBPUSH_ALLOW_LOCAL_ENDPOINTS")
    )
    if len(endpoint) > 1000 or not parts.hostname or not (parts.scheme == "https" or local):
        raise ValidationError(_("The push service address is not a secure (https) address."))
    p256dh, auth = _b64url(keys.get("p256dh")), _b64url(keys.get("auth"))
    if p256dh is None or len(p256dh) != 65 or p256dh[0] != 4 or not _on_curve(p256dh):
        raise ValidationError(_("The device's encryption key is not valid."))
    if auth is None or len(auth) != 16:
        raise ValidationError(_("The device's authentication secret is not valid."))
    return {"endpoint": endpoint, "p256dh": keys["p256dh"], "auth": keys["auth"]}


def device_label(user_agent: str) -> str:
    """A short name for the device, to tell a person's phones apart (no version numbers)."""
    agent = user_agent or ""
    system = next(
        (
            name
            for key, name in (
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Android", "Android"),
                ("Windows", "Windows"),
                ("Mac OS", "Mac"),
                ("Linux", "Linux"),
            )
            if key in agent
        ),
        "",
    )
    browser = next(
        (
            name
            for key, name in (
                ("Edg/", "Edge"),
                ("Firefox/", "Firefox"),
                ("Chrome/", "Chrome"),
                ("Safari/", "Safari"),
            )
            if key in agent
        ),
        "",
    )
    return " · ".join(part for part in (system, browser) if part)[:120]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def vapid_key_pair() -> tuple[str, str]:
    """A new P-256 key pair: the public key as the browser's ``applicationServerKey`` takes it
    (uncompressed point, base64url) and the private key as its raw 32 bytes, base64url."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(public), b64url(key.private_numbers().private_value.to_bytes(32, "big"))


# Receipts from the service worker ------------------------------------------------------------


def receipt_token(key: str) -> str:
    """``<delivery id>.<HMAC>``: lets the phone report this one message, nothing else."""
    pk = key.removeprefix("vp-ann-")
    secret = str(setting("SECRET_KEY")).encode()
    mac = hmac.new(secret, f"webpush-receipt:{pk}".encode(), hashlib.sha256).hexdigest()
    return f"{pk}.{mac[:32]}"


def receipt_delivery_pk(token: Any) -> int | None:
    if not isinstance(token, str) or len(token) > 60 or "." not in token:
        return None
    pk = token.split(".", 1)[0]
    if not pk.isdigit() or not hmac.compare_digest(receipt_token(f"vp-ann-{pk}"), token):
        return None
    return int(pk)


# The provider ------------------------------------------------------------------------------


def push_topic(code: str) -> str:
    """The announcement's ``Topic`` (RFC 8030, section 5.4: up to 32 characters of the
    URL-safe base64 alphabet), or none when its code does not fit."""
    topic = "a-" + code
    ok = len(topic) <= 32 and all(c.isascii() and (c.isalnum() or c in "-_") for c in topic)
    return topic if code and ok else ""


def payload(message: Message) -> dict[str, Any]:
    """What the phone gets: only what the recipient may see on the announcement itself."""
    body = message.fields.get("body", "")
    if len(body) > BODY_LENGTH:
        body = body[: BODY_LENGTH - 1].rstrip() + "…"
    code = message.fields.get("code", "")
    return {
        "title": message.title[:200],
        "body": body,
        "url": reverse("my_announcements") + f"#a-{code}",
        "code": code,
        "kind": message.kind,
        "urgent": message.kind == "emergency",
        "receipt": receipt_token(message.key),
        "receipt_url": reverse("announcement_push_receipt"),
    }


def _retry_at(value: str | None) -> datetime | None:
    """``Retry-After`` in seconds or as an HTTP date (RFC 9110, section 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timezone.now() + timedelta(seconds=min(int(value), 24 * 3600))
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


class WebPushProvider(Provider):
    channel = "webpush"
    name = "webpush"

    def __init__(self) -> None:
        super().__init__()
        self.public_key = setting("WEBPUSH_VAPID_PUBLIC_KEY")
        self.private_key = setting("WEBPUSH_VAPID_PRIVATE_KEY")
        self.subject = setting("WEBPUSH_VAPID_SUBJECT")
        self.ttl = setting("WEBPUSH_TTL")
        self._vapid: Any = None
        self._subscriptions: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self.gone: set[str] = set()
        self.succeeded: set[str] = set()

    @property
    def configured(self) -> bool:
        return bool(self.public_key and self.private_key and self.subject)

    def vapid(self) -> Any:
        if self._vapid is None:
            from py_vapid import Vapid

            self._vapid = Vapid.from_string(private_key=self.private_key)
        return self._vapid

    def load(self, messages: list[Message]) -> None:
        """Before a chunk, in the drain's thread: the live subscriptions of its recipients."""
        from announcements.models import PushSubscription

        users = {int(m.to) for m in messages if m.to.isdigit()}
        found: dict[str, list[dict[str, Any]]] = {}
        for row in PushSubscription.objects.filter(user_id__in=users).order_by("pk"):
            found.setdefault(str(row.user_id), []).append(row.info())
        self._subscriptions = found

    def _session(self) -> requests.Session:
        session = getattr(_local, "session", None)
        if session is None:
            session = _local.session = requests.Session()
        return session

    def _push_one(self, info: dict[str, Any], data: str, urgency: str, topic: str) -> int:
        """One device: the push service's HTTP status, or an error if none came."""
        from pywebpush import WebPushException, webpush

        try:
            response = webpush(
                info,
                data=data,
                vapid_private_key=self.vapid(),
                vapid_claims={"sub": self.subject},
                ttl=self.ttl,
                timeout=self.timeout,
                headers={"Urgency": urgency, **({"Topic": topic} if topic else {})},
                requests_session=self._session(),
            )
        except WebPushException as exc:
            status = exc.status_code
            if status is None:
                raise UncertainError(f"push service: {type(exc).__name__}") from exc
            if status in RETRY:
                raise TransientError(
                    f"push service busy ({status})",
                    retry_at=_retry_at(exc.retry_after),
                ) from exc
            return int(status)
        except requests.exceptions.ConnectTimeout as exc:
            raise TransientError("push service unreachable: ConnectTimeout") from exc
        except requests.exceptions.ConnectionError as exc:
            if "NewConnectionError" in repr(exc) or "Connection refused" in repr(exc):
                raise TransientError("push service unreachable") from exc
            raise UncertainError(f"no answer from the push service: {type(exc).__name__}") from exc
        except requests.exceptions.RequestException as exc:
            raise UncertainError(f"no answer from the push service: {type(exc).__name__}") from exc
        return int(getattr(response, "status_code", 201))

    def send(self, message: Message) -> str:
        devices = self._subscriptions.get(message.to, [])
        if not devices:
            raise PermanentError("no device with push notifications switched on")
        data = json.dumps(payload(message), ensure_ascii=False)
        urgency = "high" if message.kind == "emergency" else "normal"
        topic = push_topic(message.fields.get("code", ""))
        accepted = 0
        refused: list[int] = []
        transient: list[TransientError] = []
        uncertain: list[UncertainError] = []
        for info in devices:
            try:
                status = self._push_one(info, data, urgency, topic)
            except TransientError as exc:
                transient.append(exc)
                continue
            except UncertainError as exc:
                uncertain.append(exc)
                continue
            if status < 300:
                accepted += 1
                with self._lock:
                    self.succeeded.add(info["endpoint"])
            else:
                refused.append(status)
                if status in GONE:
                    with self._lock:
                        self.gone.add(info["endpoint"])
        if accepted:
            return f"webpush:{accepted}/{len(devices)}"
        if transient:
            later = [e.retry_at for e in transient if e.retry_at is not None]
            raise TransientError(str(transient[0]), retry_at=max(later) if later else None)
        if uncertain:
            raise uncertain[0]
        if all(status in GONE for status in refused):
            raise PermanentError("every device's subscription has expired")
        raise PermanentError(f"push service refused the message ({refused[0]})")

    def after_chunk(self, errors: list[Exception]) -> None:
        """In the drain's thread: forget expired subscriptions, note the ones that worked."""
        from announcements.models import PushSubscription

        with self._lock:
            gone, succeeded = set(self.gone), set(self.succeeded) - self.gone
            self.gone.clear()
            self.succeeded.clear()
        if gone:
            PushSubscription.objects.filter(endpoint__in=gone).delete()
        if succeeded:
            PushSubscription.objects.filter(endpoint__in=succeeded).update(
                last_success_at=timezone.now()
            )

    def recover(self, message: Message, since: datetime | None) -> tuple[Recovery, str]:
        """Send again: a repeated message replaces the shown notification (same tag)."""
        self.load([message])
        try:
            return Recovery.SENT, self.send(message)
        finally:
            self.after_chunk([])
