"""SMS brand-name through eSMS.vn (ViHAT): the documented HTTP API, spoken as documented.

- Send: ``POST <base>/MainService.svc/json/SendMultipleMessage_V4_post_json/`` with a JSON body
  ``ApiKey, SecretKey, Phone, Content, Brandname, SmsType=2`` (customer care), ``IsUnicode``,
  ``RequestId`` and ``CallbackUrl``; the answer ``{"CodeResult": "100", "SMSID": ...}`` on
  success, another ``CodeResult`` with ``ErrorMessage`` otherwise
  (developers.esms.vn, "Send OTP/Customer care message").
- ``RequestId``: "passed to block duplicates", valid for blocking for 24 hours; a repeat answers
  ``CodeResult`` 124, "Duplicate RequestId" (developers.esms.vn, "Table of error codes"). So a
  message whose fate is unknown (worker killed mid-call, no readable answer) is sent again with
  the same RequestId within that window: eSMS either sends it (it never got it) or answers 124
  (it did). Past the window nobody can tell, and the row is marked unknown for staff.
- Delivery report: eSMS calls ``CallbackUrl`` with HTTP GET and ``SMSID, SendStatus,
  RequestId, phonenumber...``; ``SendStatus`` 5 sent successfully, 4 rejected, 1/2/7 pending
  (developers.esms.vn, "Callback Url"). eSMS documents no signature, so each message's
  CallbackUrl carries an HMAC of its RequestId in the path, which only the portal can make.
"""

import hashlib
import hmac
import json
import re
import unicodedata
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from accounts.phones import looks_like_phone, normalize_phone
from announcements.conf import setting
from announcements.gateways import (
    Message,
    PermanentError,
    Provider,
    Recovery,
    TransientError,
    UncertainError,
    call,
)

SEND_PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"
# RequestId blocks duplicates for 24 hours; an hour of margin for clocks and slow queues.
DEDUPLICATION_WINDOW = timedelta(hours=23)

OK = "100"
DUPLICATE_REQUEST = "124"
# The number or the message itself is refused: sending it again cannot help.
PERMANENT = {
    "99": "phone number blocked",
    "104": "brand name not registered",
    "108": "phone number not in a valid format",
    "118": "message type not supported",
    "146": "message does not match a registered customer-care template",
    "177": "the recipient's network is not registered for this brand name",
}
# The account needs attention (keys, price list, balance, IP allow-list): try again later.
ACCOUNT = {
    "101": "wrong ApiKey or SecretKey",
    "102": "no price list",
    "103": "balance too low",
    "140": "server IP not allow-listed",
}


def callback_signature(request_id: str) -> str:
    secret = setting("ANNOUNCEMENTS_SMS_WEBHOOK_SECRET") or setting("SECRET_KEY")
    return hmac.new(secret.encode(), request_id.encode(), hashlib.sha256).hexdigest()[:32]


def _local_phone(number: str) -> str:
    """eSMS takes Vietnamese numbers as written at home: ``0912345678``."""
    e164 = normalize_phone(number)
    return "0" + e164[3:] if e164.startswith("+84") else e164.lstrip("+")


def _is_unicode(text: str) -> bool:
    return any(ord(char) > 127 for char in unicodedata.normalize("NFC", text))


class EsmsProvider(Provider):
    channel = "sms"
    name = "esms"

    def __init__(self) -> None:
        super().__init__()
        self.url = setting("ANNOUNCEMENTS_SMS_URL").rstrip("/")
        self.api_key = setting("ANNOUNCEMENTS_SMS_API_KEY")
        self.secret_key = setting("ANNOUNCEMENTS_SMS_SECRET_KEY")
        self.brandname = setting("ANNOUNCEMENTS_SMS_BRANDNAME")
        self.callback_base = setting("ANNOUNCEMENTS_SMS_CALLBACK_BASE").rstrip("/")

    @property
    def configured(self) -> bool:
        return bool(self.url and self.api_key and self.secret_key)

    def callback_url(self, request_id: str) -> str:
        if not self.callback_base:
            return ""
        path = reverse("announcement_esms_callback", args=[callback_signature(request_id)])
        return self.callback_base + path

    def payload(self, message: Message) -> dict[str, str]:
        return {
            "ApiKey": self.api_key,
            "SecretKey": self.secret_key,
            "Phone": _local_phone(message.to),
            "Content": message.text,
            "Brandname": self.brandname,
            "SmsType": "2",
            "IsUnicode": "1" if _is_unicode(message.text) else "0",
            "Sandbox": "0",
            "RequestId": message.request_id,
            "CallbackUrl": self.callback_url(message.request_id),
        }

    def send(self, message: Message) -> str:
        if not looks_like_phone(message.to):
            raise PermanentError("invalid phone number")
        if not message.request_id or len(message.request_id) > 50:
            raise PermanentError("no RequestId")
        status, data = call(
            "POST",
            self.url + SEND_PATH,
            body=json.dumps(self.payload(message)).encode(),
            headers={"Content-Type": "application/json"},
            timeout=self.timeout,
        )
        if status == 429 or status >= 500:
            raise TransientError(f"eSMS error {status}")
        if not isinstance(data, dict) or "CodeResult" not in data:
            # The request was read; whether it was taken, only a repeat with its RequestId says.
            raise UncertainError("eSMS answered something that is not a result")
        code = str(data.get("CodeResult"))
        if code == OK and data.get("SMSID"):
            return str(data["SMSID"])[:100]
        if code == DUPLICATE_REQUEST:
            # It already has this RequestId: the message went out on an earlier call.
            return message.request_id
        detail = str(data.get("ErrorMessage") or "")[:100]
        if code in PERMANENT:
            raise PermanentError(f"eSMS {code}: {PERMANENT[code]}")
        if code in ACCOUNT:
            raise TransientError(f"eSMS {code}: {ACCOUNT[code]}")
        raise TransientError(f"eSMS {code}: {detail or 'unexpected result'}")

    def recover(self, message: Message, since: datetime | None) -> tuple[Recovery, str]:
        """Within the RequestId window, send again: eSMS sends it once or answers 124."""
        if since is None or timezone.now() - since > DEDUPLICATION_WINDOW:
            return Recovery.UNKNOWN, ""
        return Recovery.SENT, self.send(message)


# eSMS's SendStatus in the callback: what it proves about the message.
CALLBACK_DELIVERED = {"5"}
CALLBACK_FAILED = {"4"}
_REQUEST_ID = re.compile(r"^vp-(\d+)-[0-9a-f]{8}$")


def request_id_delivery_pk(request_id: str) -> int | None:
    match = _REQUEST_ID.match(request_id or "")
    return int(match.group(1)) if match else None
