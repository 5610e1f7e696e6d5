"""Zalo for announcements: OA messages to the residents who follow the village's Official
Account and whose link to them was verified (``feedback.zalo_link``), Zalo Notification
Service (ZNS) template messages to the phones of the others, and the Official Account's access
token.

The resident chose "Zalo"; which way a message goes is the portal's choice, per message
(``ZnsProvider.route``): a verified follower who wrote to the OA within
``ANNOUNCEMENTS_ZALO_OA_WINDOW_HOURS`` gets an OA customer-service message (free within 48
hours of the person's last message; Zalo refuses it after 7 days), everybody else a ZNS.
When Zalo refuses the OA message because the person no longer follows (-213) or has not
written for too long (-230), nothing was sent and the same send goes by ZNS at once; without a
ZNS template it fails with that reason. An OA message's reference is ``oa:<message_id>``, so
the reach page counts each way.

- OA message ("Gửi tin Tư vấn", Official Account API v3, the same call feedback answers
  with): ``POST <openapi>/v3.0/oa/message/cs`` with the header ``access_token`` and
  ``{"recipient": {"user_id"}, "message": {"text"}}``; the answer ``{"error": 0, "data":
  {"message_id", "user_id", "quota"}}`` or ``{"error": <negative>, "message"}``: -216 the
  access token is invalid (refresh it), -213 the person does not follow the OA, -230 the
  person has not interacted within 7 days, -32 over the rate limit and -100 Zalo's own error
  (try later). Sources: Chatwoot's ``ZaloOa::MessageSender``; subiz's "Xử lý lỗi trên Zalo OA"
  (-230, "user has not interacted with Zalo OA in the past 7 days"); the consultation window
  (free for 48 hours after the person's message, allowed up to 7 days) as the Zalo OA
  integration notes in hoangnd25/monorepo ``wip/zalo-platform-integration.md`` sum up
  developers.zalo.me's "Tin Tư vấn". Transaction ("tin giao dịch", template attachments) and
  promotion ("tin truyền thông", a monthly quota per follower) messages are not used: an
  announcement is not a transaction, and promotion messages are paid and limited.
- OA messages carry no id of ours, and the conversation the API lists
  (``GET /v2.0/oa/conversation``) holds no key to match a lost send by, so an OA message
  whose answer was lost is unknown, like a ZNS, and listed for staff.

Spoken as Zalo documents it (developers.zalo.me, "Gửi ZNS" and "Bảng mã lỗi ZNS"; the request
and error-code shapes are the same in the public clients of the API, for example the redai-zalo
SDK's ``zns.service`` and the ZNS error tables of several open-source Vietnamese projects):

- Send: ``POST <base>/message/template`` with the header ``access_token: <OA access token>`` and
  a JSON body ``{"phone": "84912345678", "template_id", "template_data": {...}, "tracking_id"}``;
  the answer ``{"error": 0, "message": "Success", "data": {"msg_id", "sent_time", "quota"}}``
  or ``{"error": <negative code>, "message": ...}``.
- ``tracking_id`` is ours (``Delivery.request_id``), written before the call. ZNS can be asked
  about a message only by its ``msg_id`` (``/message/status``), which a crash loses; so a
  message whose fate is unknown is never sent again automatically: it is marked unknown and
  listed for staff.
- Receipts come to the OA's webhook (the one feedback serves; ``villageportal.zalo_receipts``
  hands them here), signed as every event: ``user_received_message`` with ``message.msg_id``,
  ``message.tracking_id`` (ours) and ``message.delivery_time`` (milliseconds) when a ZNS
  reached the phone (developers.zalo.me "Webhook ZNS: sự kiện người dùng nhận thông báo ZNS";
  projects that handle both kinds tell the ZNS one by its ``delivery_time``); without
  ``delivery_time`` it is an OA message reaching the person; and ``user_seen_message`` with
  ``message.msg_ids`` when the person opened OA messages. A receipt is proof: a row waiting
  for it is delivered (or read), and a row left "sending" or "unknown" is settled as sent and
  delivered, never sent again.
- Access token: ``POST <oauth>/v4/oa/access_token`` with the header ``secret_key: <app secret>``
  and the form ``refresh_token, app_id, grant_type=refresh_token``; the answer
  ``{"access_token", "refresh_token", "expires_in"}`` (seconds, as a string). The refresh token
  is single-use and rotates, so the refresh runs under a row lock and the new pair is saved in
  the same transaction (``ZaloToken``).
"""

import json
import urllib.parse
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.phones import looks_like_phone, normalize_phone
from announcements import crypto
from announcements.conf import setting
from announcements.gateways import (
    Message,
    PermanentError,
    Provider,
    TokenExpiredError,
    TransientError,
    UncertainError,
    call,
)

SEND_PATH = "/message/template"
OA_PATH = "/v3.0/oa/message/cs"
OA_PREFIX = "oa:"
OA_MAX_TEXT = 2000
OA_TOKEN_INVALID = {-216}
OA_RETRY_LATER = {-32: "over Zalo's rate limit", -100: "unknown error at Zalo, try again later"}
# Nothing was sent: the OA may not write to this person now; ZNS may.
OA_NOT_ALLOWED = {
    -213: "the person does not follow the OA",
    -230: "the person has not written to the OA within 7 days",
}
TOKEN_PATH = "/v4/oa/access_token"  # noqa: S105 - a path, not a secret

# The documented ZNS error codes, by what the outbox does about them.
TOKEN_INVALID = {-124}  # "Mã truy cập không hợp lệ": refresh the token, nothing was sent
RETRY_LATER = {
    -100: "unknown error at Zalo, try again later",
    -115: "ZNS account balance too low",
    -126: "development wallet balance too low",
    -133: "this template may not be sent at night (22:00-06:00)",
    -137: "ZCA payment failed",
    -144: "the OA's daily ZNS quota is used up",
    -147: "the template's daily quota is used up",
}
NOT_ON_ZALO = {
    -108: "invalid phone number",
    -114: "the person does not receive ZNS (account state, settings or old Zalo version)",
    -118: "the phone number has no Zalo account, or it is disabled",
    -119: "the account cannot receive ZNS",
    -134: "the person has not answered the OA's request to receive ZNS",
    -139: "the person refused this kind of ZNS",
    -140: "the OA may not send after-sales ZNS to this person",
    -141: "the person refused ZNS from this OA",
}
TEMPLATE = {
    -109: "invalid ZNS template id",
    -111: "the ZNS template has no data",
    -112: "invalid ZNS template content",
    -117: "the OA may not use this ZNS template",
    -121: "the ZNS template has no content",
    -130: "the content is longer than the template allows",
    -131: "the ZNS template is not approved",
    -132: "invalid template parameters",
    -146: "the ZNS template was disabled for low quality",
}
NIGHT_START, NIGHT_END = 22, 6
RECEIPT_EVENTS = ("user_received_message", "user_seen_message")


class TokenRefreshError(TransientError):
    """The OA's token could not be refreshed; messages wait (and staff must reconnect the OA)."""


def _zalo_phone(number: str) -> str:
    """ZNS takes ``84`` followed by the national number, without ``+``."""
    return normalize_phone(number).lstrip("+")


def _after_night() -> Any:
    now = timezone.localtime()
    end = now.replace(hour=NIGHT_END, minute=0, second=0, microsecond=0)
    return end if now.hour < NIGHT_END else end + timedelta(days=1)


# The OA token --------------------------------------------------------------------------------


def _refresh(row: Any) -> None:
    """Exchange the row's refresh token for a new pair; the caller holds the row's lock."""
    refresh_token = crypto.decrypt(row.refresh_token)
    if not refresh_token:
        raise TokenRefreshError("no Zalo refresh token: connect the OA again")
    status, data = call(
        "POST",
        setting("ANNOUNCEMENTS_ZALO_OAUTH_URL").rstrip("/") + TOKEN_PATH,
        body=urllib.parse.urlencode(
            {"refresh_token": refresh_token, "app_id": row.app_id, "grant_type": "refresh_token"}
        ).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "secret_key": setting("ANNOUNCEMENTS_ZALO_APP_SECRET"),
        },
        timeout=setting("ANNOUNCEMENTS_GATEWAY_TIMEOUT"),
    )
    if (
        status != 200
        or not isinstance(data, dict)
        or not data.get("access_token")
        or not data.get("refresh_token")
    ):
        error = data.get("error_description") or data.get("error") if isinstance(data, dict) else ""
        raise TokenRefreshError(f"Zalo token refresh refused ({status}): {error}")
    try:
        expires_in = int(data.get("expires_in", 0))
    except (TypeError, ValueError):
        expires_in = 0
    now = timezone.now()
    row.access_token = crypto.encrypt(str(data["access_token"]))
    row.refresh_token = crypto.encrypt(str(data["refresh_token"]))
    row.expires_at = now + timedelta(seconds=expires_in or 3600)
    row.refreshed_at = now
    row.last_error = ""
    row.save(
        update_fields=["access_token", "refresh_token", "expires_at", "refreshed_at", "last_error"]
    )


def access_token(*, force: bool = False, refused: str = "") -> str:
    """A valid OA access token, refreshed before it expires.

    The refresh happens under the token row's lock (SELECT ... FOR UPDATE), and the rotated
    refresh token is saved in the same transaction, so two workers never spend the same refresh
    token and none loses the new one. ``refused`` is a token Zalo just refused: it is refreshed
    unless another worker already did.
    """
    from announcements.models import ZaloToken

    app_id = setting("ANNOUNCEMENTS_ZALO_APP_ID")
    margin = timedelta(seconds=setting("ANNOUNCEMENTS_ZALO_REFRESH_MARGIN"))
    row = ZaloToken.objects.filter(app_id=app_id).first()
    if row is not None and not force:
        token = crypto.decrypt(row.access_token)
        fresh = row.expires_at is not None and row.expires_at - margin > timezone.now()
        if token and fresh and token != refused:
            return token
    with transaction.atomic():
        row, _created = ZaloToken.objects.select_for_update().get_or_create(
            app_id=app_id,
            defaults={
                "refresh_token": crypto.encrypt(setting("ANNOUNCEMENTS_ZALO_REFRESH_TOKEN")),
            },
        )
        token = crypto.decrypt(row.access_token)
        fresh = row.expires_at is not None and row.expires_at - margin > timezone.now()
        if token and fresh and token != refused and not force:
            return token  # another worker refreshed it while this one waited for the lock
        try:
            _refresh(row)
        except (TransientError, UncertainError) as exc:
            # Kept for staff (the admin shows it); an answer lost after Zalo rotated the
            # refresh token cannot be recovered: the OA must then be connected again.
            row.last_error = str(exc)[:255]
            row.save(update_fields=["last_error"])
            error: Exception = exc
        else:
            return crypto.decrypt(row.access_token)
    if isinstance(error, TokenRefreshError):
        raise error
    raise TokenRefreshError(f"Zalo token refresh failed: {error}")


# Templates -----------------------------------------------------------------------------------


class _SettingTemplate:
    """The template named by ANNOUNCEMENTS_ZALO_TEMPLATE_ID, for a portal without templates."""

    def __init__(self, template_id: str) -> None:
        self.template_id = template_id

    def data(self, fields: dict[str, str]) -> dict[str, str]:
        return {"title": fields.get("title", "")[:100], "content": fields.get("body", "")[:400]}


class ZnsProvider(Provider):
    channel = "zalo"
    name = "zns"

    def __init__(self) -> None:
        super().__init__()
        self.url = setting("ANNOUNCEMENTS_ZALO_URL").rstrip("/")
        self.token = ""
        self.templates: dict[str, Any] = {}

    @property
    def configured(self) -> bool:
        return bool(
            self.url
            and setting("ANNOUNCEMENTS_ZALO_APP_ID")
            and setting("ANNOUNCEMENTS_ZALO_APP_SECRET")
        )

    def route(self, messages: list[Message]) -> None:
        """A linked follower who wrote to the OA recently gets an OA message."""
        from villageportal import zalo_followers

        window = timedelta(hours=setting("ANNOUNCEMENTS_ZALO_OA_WINDOW_HOURS"))
        if window <= timedelta(0):
            return
        ids = [m.resident_id for m in messages if m.resident_id is not None]
        followers = zalo_followers.followers(ids)
        since = timezone.now() - window
        for message in messages:
            user_id, last = followers.get(message.resident_id or 0, ("", None))
            if user_id and last is not None and last >= since:
                message.route = user_id

    def prepare(self) -> None:
        from announcements.models import ZnsTemplate

        self.templates = {t.kind: t for t in ZnsTemplate.objects.filter(active=True)}
        fallback = setting("ANNOUNCEMENTS_ZALO_TEMPLATE_ID")
        if "" not in self.templates and fallback:
            self.templates[""] = _SettingTemplate(fallback)
        self.token = access_token()

    def after_chunk(self, errors: list[Exception]) -> None:
        if any(isinstance(error, TokenExpiredError) for error in errors):
            access_token(refused=self.token)

    def payload(self, message: Message) -> dict[str, Any]:
        template = self.templates.get(message.kind) or self.templates.get("")
        if template is None:
            raise PermanentError("no ZNS template for this kind of announcement")
        return {
            "phone": _zalo_phone(message.to),
            "template_id": template.template_id,
            "template_data": template.data(message.fields),
            "tracking_id": message.request_id,
        }

    def send(self, message: Message) -> str:
        if message.route:
            try:
                return self.send_oa(message)
            except PermanentError as exc:
                if not (self.templates.get(message.kind) or self.templates.get("")):
                    raise PermanentError(f"{exc}; no ZNS template to send instead") from exc
        return self.send_zns(message)

    def send_oa(self, message: Message) -> str:
        """The OA message: its reference, or the error (permanent: the OA may not write)."""
        if not self.token:
            raise TokenExpiredError("no Zalo access token")
        text = f"{message.title}\n{message.fields.get('body', '')}".strip()[:OA_MAX_TEXT]
        status, data = call(
            "POST",
            setting("ANNOUNCEMENTS_ZALO_OA_URL").rstrip("/") + OA_PATH,
            body=json.dumps(
                {"recipient": {"user_id": message.route}, "message": {"text": text}}
            ).encode(),
            headers={"Content-Type": "application/json", "access_token": self.token},
            timeout=self.timeout,
        )
        if status == 429 or status >= 500:
            raise TransientError(f"Zalo OA error {status}")
        if not isinstance(data, dict) or not isinstance(data.get("error"), int):
            raise UncertainError("Zalo answered something that is not a result")
        code = data["error"]
        if code == 0:
            message_id = (data.get("data") or {}).get("message_id")
            if not message_id:
                raise UncertainError("Zalo said success without a message_id")
            return (OA_PREFIX + str(message_id))[:100]
        if code in OA_TOKEN_INVALID:
            raise TokenExpiredError("Zalo refused the access token (-216)")
        if code in OA_RETRY_LATER:
            raise TransientError(f"Zalo OA {code}: {OA_RETRY_LATER[code]}")
        if code in OA_NOT_ALLOWED:
            raise PermanentError(f"Zalo OA {code}: {OA_NOT_ALLOWED[code]}")
        raise PermanentError(f"Zalo OA {code}: {str(data.get('message') or 'refused')[:120]}")

    def send_zns(self, message: Message) -> str:
        if not looks_like_phone(message.to):
            raise PermanentError("invalid phone number")
        if not self.token:
            raise TokenExpiredError("no Zalo access token")
        status, data = call(
            "POST",
            self.url + SEND_PATH,
            body=json.dumps(self.payload(message)).encode(),
            headers={"Content-Type": "application/json", "access_token": self.token},
            timeout=self.timeout,
        )
        if status == 429 or status >= 500:
            raise TransientError(f"Zalo error {status}")
        if not isinstance(data, dict) or not isinstance(data.get("error"), int):
            # Zalo read the request; whether it sent it cannot be asked without its msg_id.
            raise UncertainError("Zalo answered something that is not a result")
        code = data["error"]
        if code == 0:
            msg_id = (data.get("data") or {}).get("msg_id")
            if not msg_id:
                raise UncertainError("Zalo said success without a msg_id")
            return str(msg_id)[:100]
        if code in TOKEN_INVALID:
            raise TokenExpiredError("Zalo refused the access token (-124)")
        if code in RETRY_LATER:
            retry_at = _after_night() if code == -133 else None
            raise TransientError(f"Zalo {code}: {RETRY_LATER[code]}", retry_at=retry_at)
        if code in NOT_ON_ZALO:
            raise PermanentError(f"Zalo {code}: {NOT_ON_ZALO[code]}")
        if code in TEMPLATE:
            raise PermanentError(f"Zalo {code}: {TEMPLATE[code]}")
        raise PermanentError(f"Zalo {code}: {str(data.get('message') or 'refused')[:120]}")
