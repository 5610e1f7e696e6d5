"""The village's Zalo Official Account, as Zalo documents it: the webhook it calls, the
customer-service messages the portal answers with, the photos residents send.

Sources (read through the docs and public clients; tests/feedback/fake_zalo_oa.py answers the
same way):

- Webhook ("Official Account API > Webhook", developers.zalo.me/docs/official-account/webhook):
  Zalo POSTs one JSON event per call, ``{"app_id", "user_id_by_app", "event_name",
  "timestamp" (milliseconds, as a string), "sender": {"id"}, "recipient": {"id"}, "message":
  {"msg_id", "text", "attachments": [{"type", "payload": {"url" | "coordinates":
  {"latitude", "longitude"}}}]}}``; ``follow``/``unfollow`` carry ``follower: {"id"}`` and
  ``oa_id``; ``user_submit_info`` carries ``info: {"name", "phone", "address", "city",
  "district", "ward"}``. The header ``X-ZEvent-Signature`` is ``"mac=" + sha256(app_id +
  raw body + timestamp + OA secret key)`` in hex, with the timestamp taken from the body
  (Chatwoot's ``Webhooks::ZaloEventsJob``; hainh.me's walk-through of the official PHP SDK:
  "the OA secret key, not the app secret key"). Zalo expects 200 within two seconds and
  retries anything else (30 s, 5 min, 15 min, 30 min, 1 h), then turns the webhook off.
- Customer-service message ("Gửi tin Tư vấn", API v3): ``POST <openapi>/v3.0/oa/message/cs``
  with the header ``access_token`` and ``{"recipient": {"user_id"}, "message": {"text"}}``;
  the answer ``{"error": 0, "message": "Success", "data": {"message_id", "user_id",
  "quota"}}`` or ``{"error": <negative>, "message"}``: -216 the access token is invalid,
  -213 the person does not follow the OA, -230 the person has not written within 7 days,
  -32 and -100 try again later (Chatwoot's ``ZaloOa::MessageSender``).
- The access token is the OA's, kept and refreshed by ``announcements.zalo`` (one Zalo app).
"""

import hashlib
import hmac
import json
import logging
from typing import Any
from urllib.parse import urlsplit

import requests as http
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from announcements.gateways import TransientError, UncertainError, call
from announcements.zalo import TokenRefreshError, access_token
from feedback import photos

log = logging.getLogger(__name__)

CS_PATH = "/v3.0/oa/message/cs"
SIGNATURE_HEADER = "HTTP_X_ZEVENT_SIGNATURE"
TOKEN_INVALID = {-216, -124}
RETRY_LATER = {-32, -100}
MEDIA_TIMEOUT = 10.0
MAX_TEXT = 2000  # the longest text a customer-service message may carry


class ZaloSendError(Exception):
    """Zalo did not take the message: ``retry`` says whether trying later may help."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


def configured() -> bool:
    return bool(settings.FEEDBACK_ZALO_OA_SECRET and settings.FEEDBACK_ZALO_VILLAGE)


def signature(*, app_id: str, raw: bytes, timestamp: str) -> str:
    """What Zalo puts in ``X-ZEvent-Signature`` for this body."""
    mac = hashlib.sha256(
        app_id.encode() + raw + timestamp.encode() + settings.FEEDBACK_ZALO_OA_SECRET.encode()
    ).hexdigest()
    return f"mac={mac}"


def signature_valid(*, app_id: str, raw: bytes, timestamp: str, given: str) -> bool:
    expected = signature(app_id=app_id, raw=raw, timestamp=timestamp)
    return hmac.compare_digest(expected.encode(), given.strip().encode())


def _send_once(token: str, user_id: str, text: str) -> tuple[int, Any]:
    return call(
        "POST",
        settings.FEEDBACK_ZALO_OA_URL.rstrip("/") + CS_PATH,
        body=json.dumps(
            {"recipient": {"user_id": user_id}, "message": {"text": text[:MAX_TEXT]}}
        ).encode(),
        headers={"Content-Type": "application/json", "access_token": token},
        timeout=float(settings.ANNOUNCEMENTS_GATEWAY_TIMEOUT),
    )


def send_text(*, user_id: str, text: str) -> str:
    """Send one customer-service text message; Zalo's ``message_id``, or ZaloSendError."""
    try:
        token = access_token()
        status, data = _send_once(token, user_id, text)
        if isinstance(data, dict) and data.get("error") in TOKEN_INVALID:
            token = access_token(refused=token)
            status, data = _send_once(token, user_id, text)
    except (TokenRefreshError, TransientError) as exc:
        raise ZaloSendError(str(exc), retry=True) from exc
    except UncertainError as exc:
        # The message may have gone out; sending it again could show it twice, which for a
        # tracking code or a status is better than never showing it.
        raise ZaloSendError(str(exc), retry=True) from exc
    if status == 429 or status >= 500:
        raise ZaloSendError(f"Zalo answered {status}", retry=True)
    if not isinstance(data, dict) or not isinstance(data.get("error"), int):
        raise ZaloSendError("Zalo answered something that is not a result", retry=True)
    code = data["error"]
    if code == 0:
        return str((data.get("data") or {}).get("message_id") or "")[:100]
    detail = f"Zalo {code}: {str(data.get('message') or '')[:120]}"
    raise ZaloSendError(detail, retry=code in RETRY_LATER or code in TOKEN_INVALID)


def media_allowed(url: str) -> bool:
    """HTTPS to a listed host or one of its subdomains, or a listed ``http://host:port``."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    for entry in settings.FEEDBACK_ZALO_MEDIA_HOSTS:
        entry = entry.strip().lower().rstrip("/")
        if not entry:
            continue
        if "://" in entry:
            if f"{parts.scheme}://{parts.netloc.lower()}" == entry:
                return True
        elif parts.scheme == "https" and (host == entry or host.endswith("." + entry)):
            return True
    return False


def fetch_photo(url: str) -> photos.ProcessedPhoto:
    """The photo at ``url``, downloaded (size-capped, no redirects) and cleaned like any upload:
    ValidationError with a message for the resident when it is not a photo."""
    if not media_allowed(url):
        raise ValidationError(_("The photo could not be downloaded."), code="host")
    failed = ValidationError(_("The photo could not be downloaded."), code="download")
    limit = photos.max_bytes()
    try:
        with http.get(url, timeout=MEDIA_TIMEOUT, stream=True, allow_redirects=False) as answer:
            if answer.status_code != 200:
                raise failed
            data = bytearray()
            for chunk in answer.iter_content(64 * 1024):
                data.extend(chunk)
                if len(data) > limit:
                    raise ValidationError(_("The photo is too large."), code="too_large")
    except http.RequestException as exc:
        raise failed from exc
    return photos.process(bytes(data), name=_("The file you sent"))
