"""A local Zalo ZNS API and Zalo OAuth server on loopback, answering as Zalo documents them.

Shapes and codes, with where they come from (found through the docs and code search):

- ZNS send, "Gửi ZNS" on developers.zalo.me/docs/zalo-notification-service, as used by the
  public clients (the redai-zalo SDK's ``dist/services/zns.service.js`` on app.unpkg.com names
  the endpoint ``https://business.openapi.zalo.me/message/template``; the zalo-mcp tool page on
  glama.ai lists the body ``phone`` "in international format without +", ``template_id``,
  ``template_data``, ``tracking_id``): ``POST /message/template`` with the header
  ``access_token``; the answer ``{"error": 0, "message": "Success", "data": {"msg_id",
  "sent_time", "quota": {"dailyQuota", "remainingQuota"}}}``, or ``{"error": <code>,
  "message"}`` with HTTP 200.
- ZNS error codes, "Bảng mã lỗi ZNS" (the same table reproduced in several public projects'
  sources: -108 invalid phone number, -109 invalid template id, -118 Zalo account does not
  exist or is disabled, -122 body not JSON, -124 invalid access token, -131 template not
  approved, -132 invalid parameter, -144 the OA's daily quota is exceeded).
- OA access token, "Official Account API: lấy access token từ refresh token" (the redai-zalo
  SDK's ``auth.service.js`` names ``https://oauth.zaloapp.com/v4/oa/access_token``; public
  clients send the header ``secret_key`` and the form ``refresh_token, app_id,
  grant_type=refresh_token``, and read ``access_token``, ``refresh_token`` and ``expires_in``, a
  number of seconds as a string). The refresh token is single-use: the old one stops working.
  A refused refresh answers an object with ``error`` and ``error_description`` and no token.
- Rate limit: Zalo's ZNS pages ("Cách xử lý mã lỗi", zalo.cloud/zns/guidelines/handle-error-code)
  document daily quotas (-144 for the OA, -147 for a template) but no requests-per-second
  limit and no error code for one; the benchmark sets a stated limit
  (``FakeState.rate_limit``) and answers a request over it with HTTP 429 Too Many Requests
  (RFC 6585, section 4) and an ``error``/``message`` body in ZNS's shape.
"""

import json
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from tests.announcements.fake_http import FakeServer, FakeState

SEND = "/message/template"
TOKEN = "/v4/oa/access_token"
_PHONE = re.compile(r"^84\d{9,10}$")
# The Fernet key the portal keeps the OA's tokens under, in the tests.
TOKEN_KEY = "q3VbN1xR8sT0uW2yZ4aC6eG8iK0mO2qS4uW6yA8cE0g="


@dataclass
class ZaloState(FakeState):
    app_id: str = "zalo-app-1"
    app_secret: str = "zalo-app-secret"
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=lambda: {"refresh-0"})
    expires_in: int = 90000
    refreshes: int = 0
    # template id -> (approved?, parameter names)
    templates: dict[str, tuple[bool, set[str]]] = field(
        default_factory=lambda: {"tb-001": (True, {"title", "content"})}
    )
    not_on_zalo: set[str] = field(default_factory=set)  # answered -118
    daily_quota: int | None = None  # None for unlimited; then -144 when used up
    tracking_ids: dict[str, int] = field(default_factory=dict)  # how often each was sent


class FakeZalo(FakeServer):
    def __init__(self) -> None:
        self.state = ZaloState()
        super().__init__()

    def env(self) -> dict[str, str]:
        return {
            "ANNOUNCEMENTS_ZALO_URL": self.url,
            "ANNOUNCEMENTS_ZALO_OAUTH_URL": self.url,
            "ANNOUNCEMENTS_ZALO_APP_ID": self.state.app_id,
            "ANNOUNCEMENTS_ZALO_APP_SECRET": self.state.app_secret,
            "ANNOUNCEMENTS_ZALO_REFRESH_TOKEN": "refresh-0",
            "ANNOUNCEMENTS_ZALO_TEMPLATE_ID": "tb-001",
            "ANNOUNCEMENTS_TOKEN_KEY": TOKEN_KEY,
        }

    def rate_limited_body(self) -> Any:
        return {"error": -429, "message": "Too many requests"}

    def route(self, method: str, path: str, headers: Any, raw: bytes, query: dict) -> Any:
        if method == "POST" and path == SEND:
            return self.send(headers, raw)
        if method == "POST" and path == TOKEN:
            return self.token(headers, raw)
        return 404, {"error": -106, "message": "Method is not supported"}

    def token(self, headers: Any, raw: bytes) -> Any:
        state = self.state
        form = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
        with state.lock:
            if headers.get("secret_key") != state.app_secret or form.get("app_id") != state.app_id:
                return 200, {
                    "error": -14001,
                    "error_name": "Invalid app",
                    "error_description": "app_id or secret_key is invalid",
                }
            if (
                form.get("grant_type") != "refresh_token"
                or form.get("refresh_token") not in state.refresh_tokens
            ):
                return 200, {
                    "error": -14014,
                    "error_name": "Invalid refresh token",
                    "error_description": "Refresh token is invalid or expired",
                }
            state.refresh_tokens.discard(form["refresh_token"])
            state.refreshes += 1
            access, refresh = f"access-{secrets.token_hex(6)}", f"refresh-{state.refreshes}"
            state.access_tokens.add(access)
            state.refresh_tokens.add(refresh)
        return 200, {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": str(state.expires_in),
        }

    def expire_tokens(self) -> None:
        """Zalo ends every access token (they expire, or the OA's admin revokes them)."""
        with self.state.lock:
            self.state.access_tokens.clear()

    def send(self, headers: Any, raw: bytes) -> Any:
        state = self.state
        with state.lock:
            state.requests += 1
            self.common_failures()
            if headers.get("access_token") not in state.access_tokens:
                return 200, {"error": -124, "message": "Access token is invalid"}
            try:
                data = json.loads(raw)
            except ValueError:
                return 200, {"error": -122, "message": "Body request is not JSON"}
            phone = str(data.get("phone", ""))
            if not _PHONE.match(phone):
                return 200, {"error": -108, "message": "Phone number is invalid"}
            template = state.templates.get(str(data.get("template_id", "")))
            if template is None:
                return 200, {"error": -109, "message": "Template id is invalid"}
            approved, params = template
            if not approved:
                return 200, {"error": -131, "message": "Template is not approved"}
            template_data = data.get("template_data")
            if not isinstance(template_data, dict) or set(template_data) != params:
                return 200, {"error": -132, "message": "Invalid parameter"}
            if phone in state.not_on_zalo:
                return 200, {"error": -118, "message": "Zalo account does not exist"}
            if state.daily_quota is not None and state.daily_quota <= 0:
                return 200, {"error": -144, "message": "OA has exceeded the daily ZNS quota"}
            if state.daily_quota is not None:
                state.daily_quota -= 1
            tracking_id = str(data.get("tracking_id", ""))
            # Zalo does not recognise a repeated tracking_id: a repeat is a second message.
            state.tracking_ids[tracking_id] = state.tracking_ids.get(tracking_id, 0) + 1
            msg_id = uuid.uuid4().hex
            state.messages[msg_id] = {
                "id": msg_id,
                "channel": "zalo",
                "to": phone,
                "template_id": data["template_id"],
                "template_data": template_data,
                "request_id": tracking_id,
            }
            how = self.after_store()
            remaining = state.daily_quota if state.daily_quota is not None else 500
        answer = {
            "error": 0,
            "message": "Success",
            "data": {
                "msg_id": msg_id,
                "sent_time": str(int(time.time() * 1000)),
                "quota": {"dailyQuota": "500", "remainingQuota": str(remaining)},
            },
        }
        return self.finish(how, (200, answer))
