"""The webhook the village's Zalo Official Account calls (feedback/zalo.py has the protocol).

Zalo retries every answer but 200 and finally turns the webhook off, so the answers are: 200
for every event taken, seen before (a replay or a retry) or of a kind feedback does not use
(logged); 400 for a body that is not an event; 403 for a missing or wrong signature, an event
too old, or while the integration is off here; 413 for a body larger than any event, refused
by its length before it is read. Nothing here answers 500. Receipts for messages the portal
sent (``villageportal.zalo_receipts``) pass the same checks, then go to the app that sent them.
"""

import json
import logging
import time

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from feedback import zalo, zalo_inbox
from villageportal import zalo_receipts
from villageportal.inputs import reads_its_upload, refusal_for

log = logging.getLogger(__name__)


def _refuse(status: int, error: str) -> JsonResponse:
    return JsonResponse({"error": error}, status=status)


@csrf_exempt
@require_POST
@reads_its_upload
def zalo_webhook(request: HttpRequest) -> JsonResponse:
    given = request.META.get(zalo.SIGNATURE_HEADER, "")
    if not zalo.configured() or not given:
        # Off here, or not from Zalo: refused before the body is even read.
        return _refuse(403, "not signed" if given == "" else "not configured")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _refuse(400, "bad content length")
    if length > int(settings.FEEDBACK_ZALO_MAX_BODY):
        return _refuse(413, "body too large")
    try:
        raw = request.body
    except RequestDataTooBig:
        return _refuse(413, "body too large")
    if len(raw) > int(settings.FEEDBACK_ZALO_MAX_BODY):  # sent without its length
        return _refuse(413, "body too large")
    refusal = refusal_for(request)  # control characters, as at the door for every request
    if refusal is not None:
        return _refuse(400, "control characters")
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _refuse(400, "not JSON")
    if not isinstance(payload, dict):
        return _refuse(400, "not an event")
    app_id, timestamp, name = (payload.get(k) for k in ("app_id", "timestamp", "event_name"))
    if not (
        isinstance(app_id, str)
        and isinstance(timestamp, str)
        and isinstance(name, str)
        and app_id
        and timestamp
        and name
    ):
        return _refuse(400, "app_id, timestamp and event_name are required")
    if not zalo.signature_valid(app_id=app_id, raw=raw, timestamp=timestamp, given=given):
        return _refuse(403, "bad signature")
    expected_app = settings.ANNOUNCEMENTS_ZALO_APP_ID
    if expected_app and app_id != expected_app:
        return _refuse(403, "another app")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 15):
        return _refuse(400, "bad timestamp")
    age = abs(time.time() - int(timestamp) / 1000)
    if age > int(settings.FEEDBACK_ZALO_MAX_AGE):
        return _refuse(403, "stale event")
    if zalo_receipts.handles(name):
        # A receipt for a message the portal sent: the sending app settles it (idempotent).
        return JsonResponse({"ok": True, "receipt": zalo_receipts.dispatch(payload)})
    if name not in zalo_inbox.HANDLED:
        if name not in zalo_inbox.IGNORED:
            log.warning("Zalo OA webhook: unknown event %r, answered 200", name[:50])
        return JsonResponse({"ok": True, "handled": False})
    if not zalo_inbox.person_of(payload):
        return _refuse(400, "no sender")
    event = zalo_inbox.event_record(payload=payload)
    return JsonResponse({"ok": True, "duplicate": event is None})
