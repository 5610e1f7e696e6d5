"""A local eSMS.vn (ViHAT) brand-name SMS API on loopback, answering as its documentation says.

Shapes and codes, from the provider's pages (found through the docs search, developers.esms.vn):

- "Send OTP/Customer care message",
  https://developers.esms.vn/en/esms-api/send-sms-api/send-otp-customer-care-message:
  ``POST /MainService.svc/json/SendMultipleMessage_V4_post_json/`` with a JSON body ``ApiKey,
  Content, Phone, SecretKey, Brandname, SmsType (2: customer care), IsUnicode, Sandbox,
  RequestId, SendDate, campaignid, CallbackUrl``; the answer ``{"CodeResult": "100",
  "CountRegenerate": 0, "SMSID": "..."}``, or a ``CodeResult`` with an ``ErrorMessage``.
- "Send customer care message using POST TEXT" (same site): ``RequestId`` is "passed to block
  duplicates", at most 50 characters, "valid for blocking for 24 hours".
- "Table of error codes", https://developers.esms.vn/en/esms-api/table-of-error-codes: 99 phone
  number blocked, 100 accepted, 101 wrong ApiKey/SecretKey, 103 balance too low, 104 brand name
  does not exist, 105 message not found (status queries), 108 phone number format, 124 duplicate
  RequestId.
- "Get SMS by SMSID", https://developers.esms.vn/en/esms-api/retrive-and-register-functions/get-sms-by-smsid:
  ``GET /MainService.svc/json/GetSendStatus?RefId=<SMSID>&ApiKey=&SecretKey=`` answering
  ``{"CodeResponse": "100", "SMSID", "SendFailed", "SendStatus", "SendSuccess", ...}``.
- "Callback Url", https://developers.esms.vn/en/esms-api/callback-url: eSMS calls the
  CallbackUrl with HTTP GET and ``SMSID, SendFailed, SendStatus (1 pending approval, 2 waiting,
  4 rejected, 5 sent successfully, 7 sent to the telco), SendSuccess, TotalPrice,
  TotalReceiver, TotalSent, RequestId, TypeId, telcoid, phonenumber``.

The HTTP status is 200 for every documented result; 503 and garbage are the tests' outages.

Rate limit: eSMS's pages (the send API, the error-code table) state no requests-per-second
limit and no error code for one; the benchmark sets a stated limit (``FakeState.rate_limit``)
and answers a request over it with HTTP 429 Too Many Requests (RFC 6585, section 4), whose body
is a ``CodeResult``/``ErrorMessage`` pair like the documented refusals.
"""

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from tests.announcements.fake_http import Answer, FakeServer, FakeState

SEND = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"
STATUS = "/MainService.svc/json/GetSendStatus"
_PHONE = re.compile(r"^(0\d{9,10}|84\d{9,10})$")


@dataclass
class EsmsState(FakeState):
    api_key: str = "esms-api-key"
    secret_key: str = "esms-secret-key"
    brandnames: set[str] = field(default_factory=lambda: {"THONSO"})
    balance: int | None = None  # messages left; None for unlimited
    refuse_numbers: set[str] = field(default_factory=set)  # blocked: CodeResult 99
    request_ids: dict[str, str] = field(default_factory=dict)  # RequestId -> SMSID
    duplicates: int = 0  # requests answered 124, "Duplicate RequestId"


class FakeEsms(FakeServer):
    def __init__(self) -> None:
        self.state = EsmsState()
        super().__init__()

    def env(self) -> dict[str, str]:
        return {
            "ANNOUNCEMENTS_SMS_PROVIDER": "esms",
            "ANNOUNCEMENTS_SMS_URL": self.url,
            "ANNOUNCEMENTS_SMS_API_KEY": self.state.api_key,
            "ANNOUNCEMENTS_SMS_SECRET_KEY": self.state.secret_key,
            "ANNOUNCEMENTS_SMS_BRANDNAME": "THONSO",
            "ANNOUNCEMENTS_SMS_CALLBACK_BASE": "https://portal.example.vn",
            "ANNOUNCEMENTS_SMS_WEBHOOK_SECRET": "esms-callback-secret",
        }

    def rate_limited_body(self) -> Any:
        return {"CodeResult": "429", "ErrorMessage": "Too many requests."}

    def route(self, method: str, path: str, headers: Any, raw: bytes, query: dict) -> Any:
        if method == "POST" and path == SEND:
            return self.send(raw)
        if method == "GET" and path == STATUS:
            return self.status(query)
        return 404, {"error": "not found"}

    def send(self, raw: bytes) -> Any:
        state = self.state
        with state.lock:
            state.requests += 1
            self.common_failures()
            try:
                data = json.loads(raw)
            except ValueError:
                return 200, {
                    "CodeResult": "110",
                    "ErrorMessage": "The requested data is incorrect.",
                }
            if data.get("ApiKey") != state.api_key or data.get("SecretKey") != state.secret_key:
                return 200, {"CodeResult": "101", "ErrorMessage": "Incorrect ApiKey or SecretKey."}
            if data.get("Brandname") not in state.brandnames or data.get("SmsType") != "2":
                return 200, {"CodeResult": "104", "ErrorMessage": "Brandname does not exist."}
            phone = str(data.get("Phone", ""))
            if not _PHONE.match(phone):
                return 200, {"CodeResult": "108", "ErrorMessage": "Phone number is not valid."}
            if phone in state.refuse_numbers:
                return 200, {"CodeResult": "99", "ErrorMessage": "The phone number is blocked."}
            request_id = str(data.get("RequestId") or "")
            if len(request_id) > 50:
                return 200, {"CodeResult": "110", "ErrorMessage": "RequestId too long."}
            if request_id and request_id in state.request_ids:
                state.duplicates += 1
                return 200, {"CodeResult": "124", "ErrorMessage": "Duplicate RequestId."}
            if state.balance is not None:
                if state.balance <= 0:
                    return 200, {"CodeResult": "103", "ErrorMessage": "Not enough balance."}
                state.balance -= 1
            sms_id = uuid.uuid4().hex
            state.messages[sms_id] = {
                "id": sms_id,
                "channel": "sms",
                "to": phone,
                "text": data.get("Content", ""),
                "unicode": data.get("IsUnicode"),
                "request_id": request_id,
                "callback": data.get("CallbackUrl", ""),
            }
            if request_id:
                state.request_ids[request_id] = sms_id
            how = self.after_store()
        return self.finish(how, (200, {"CodeResult": "100", "CountRegenerate": 0, "SMSID": sms_id}))

    def status(self, query: dict) -> Any:
        state = self.state
        if query.get("ApiKey") != state.api_key or query.get("SecretKey") != state.secret_key:
            raise Answer(200, {"CodeResponse": "101", "SMSID": query.get("RefId", "")})
        if query.get("RefId") not in state.messages:
            raise Answer(200, {"CodeResponse": "105", "SMSID": query.get("RefId", "")})
        return 200, {
            "CodeResponse": "100",
            "SMSID": query["RefId"],
            "SendFailed": 0,
            "SendStatus": 5,
            "SendSuccess": 1,
            "TotalPrice": 850.0,
            "TotalReceiver": 1,
            "TotalSent": 1,
        }

    def report(self, request_id: str, send_status: int = 5) -> str:
        """The GET eSMS makes on the message's CallbackUrl: its path and query string."""
        sms_id = self.state.request_ids[request_id]
        message = self.state.messages[sms_id]
        params = {
            "SMSID": sms_id,
            "SendFailed": 0 if send_status == 5 else 1,
            "SendStatus": send_status,
            "SendSuccess": 1 if send_status == 5 else 0,
            "TotalPrice": 850,
            "TotalReceiver": 1,
            "TotalSent": 1,
            "RequestId": request_id,
            "TypeId": 2,
            "telcoid": 1,
            "phonenumber": message["to"],
        }
        return urlsplit(message["callback"]).path + "?" + urlencode(params)
