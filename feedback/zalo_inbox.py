"""Feedback that arrives through the village's Zalo Official Account: the writes.

The rule for a conversation: a follower's message, photo or location is added to the report
they started within the last ``FEEDBACK_ZALO_BURST_MINUTES`` minutes, if it is still open;
otherwise it starts a new report (its category guessed from the words of the message, "Other"
when nothing matches). So "the street light is out" + a photo + a location + "in lane 3",
sent one after the other, make one report, and one tracking code is sent back. A photo or a
location that starts a report gets a placeholder description that staff can read as such.

Each event is recorded once (``ZaloEvent``, unique key) by the webhook and handled by a task
(``zalo_event_process_task``), so that the webhook answers Zalo within its two seconds even
when a photo must be downloaded.
"""

import hashlib
import logging
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.phones import normalize_phone
from feedback import limits, notify, services, zalo, zalo_link
from feedback.models import Category, Event, Report, ZaloEvent, ZaloFollower
from households.models import Resident, Village
from villageportal.inputs import finite_decimal
from villageportal.text import fold

log = logging.getLogger(__name__)

MESSAGE_EVENTS = frozenset({"user_send_text", "user_send_image", "user_send_location"})
FOLLOW_EVENTS = frozenset({"follow", "unfollow"})
LINK_EVENTS = frozenset({"user_submit_info"})
HANDLED = MESSAGE_EVENTS | FOLLOW_EVENTS | LINK_EVENTS
# What the person does that opens Zalo's window for the OA to write to them.
INTERACTIONS = MESSAGE_EVENTS | LINK_EVENTS
# Events Zalo sends that feedback has nothing to do with: answered 200 and not logged.
IGNORED = frozenset(
    {
        "user_received_message",
        "user_seen_message",
        "oa_send_text",
        "oa_send_image",
        "oa_send_list",
        "oa_send_gif",
        "oa_send_file",
        "oa_send_sticker",
        "user_send_sticker",
        "user_send_gif",
        "user_send_link",
        "user_send_audio",
        "user_send_video",
        "user_send_file",
        "user_send_business_card",
    }
)
# Words that point at a default category (feedback.services.DEFAULT_CATEGORIES), folded.
KEYWORDS = {
    "electricity": ["dien", "mat dien", "cot dien", "day dien", "chap dien"],
    "water": ["nuoc", "ong nuoc", "mat nuoc", "nuoc sach"],
    "roads": ["duong", "o ga", "den duong", "chieu sang", "cau", "ngap"],
    "security": ["trom", "an ninh", "danh nhau", "trat tu", "cuop", "ma tuy"],
    "environment": ["rac", "ve sinh", "o nhiem", "hoi thoi", "mui hoi", "cong ranh", "khoi"],
}
# The history entries a conversation is told of.
TOLD = (Event.Kind.CREATED, Event.Kind.STATUS, Event.Kind.REPLY)
CONSENT_TEXT = "Chia sẻ số điện thoại với Official Account của thôn để liên kết với hồ sơ cư dân."


def village() -> Village | None:
    return Village.objects.filter(pk=settings.FEEDBACK_ZALO_VILLAGE).first()


def person_of(payload: dict[str, Any]) -> str:
    """The follower's id: the sender of a message, the follower of a (un)follow."""
    for part in ("sender", "follower"):
        value = payload.get(part)
        if isinstance(value, dict) and value.get("id"):
            return str(value["id"])[:64]
    return ""


def event_key(payload: dict[str, Any]) -> str:
    message = payload.get("message")
    if isinstance(message, dict) and message.get("msg_id"):
        return "msg:" + str(message["msg_id"])[:90]
    seed = "|".join(
        [str(payload.get("event_name")), person_of(payload), str(payload.get("timestamp"))]
    )
    return "evt:" + hashlib.sha256(seed.encode()).hexdigest()[:64]


@transaction.atomic
def event_record(*, payload: dict[str, Any]) -> ZaloEvent | None:
    """Keep the event once and have a task handle it; None when it was seen before."""
    try:
        with transaction.atomic():
            event = ZaloEvent.objects.create(
                key=event_key(payload),
                event_name=str(payload.get("event_name"))[:50],
                user_id=person_of(payload),
                payload=payload,
            )
    except IntegrityError:
        return None
    from feedback.tasks import zalo_event_process_task

    # robust: run in-process (no broker), a failure is logged and the webhook still answers 200
    transaction.on_commit(lambda: zalo_event_process_task.delay(event.pk), robust=True)
    return event


def guess_category(village: Village, text: str) -> Category:
    """The category whose name or keywords the message uses most; "Other" (or the first)
    when none."""
    categories = list(Category.objects.filter(village=village, active=True))
    if not categories:
        categories = services.categories_ensure_defaults(village=village)
    words = f" {re.sub(r'[^a-z0-9]+', ' ', fold(text))} "
    best, score = None, 0
    for category in categories:
        terms = [fold(category.name), *KEYWORDS.get(category.code, [])]
        hits = sum(1 for term in terms if term and f" {term} " in words)
        if hits > score:
            best, score = category, hits
    if best is not None:
        return best
    return next((c for c in categories if c.code == "other"), categories[-1])


def _follower(village: Village, user_id: str) -> ZaloFollower:
    follower, _created = ZaloFollower.objects.get_or_create(
        user_id=user_id, defaults={"village": village}
    )
    return follower


def _open_burst(follower: ZaloFollower, now: Any) -> Report | None:
    since = now - timedelta(minutes=int(settings.FEEDBACK_ZALO_BURST_MINUTES))
    return (
        Report.objects.select_for_update()
        .filter(zalo_follower=follower, created_at__gte=since)
        .open()
        .order_by("-created_at")
        .first()
    )


def _new_report(village: Village, follower: ZaloFollower, text: str, **place: Any) -> Report:
    if not limits.allow_contact(follower_hash(follower)):
        raise ValidationError(
            _("Too many reports from this contact. Try again later."), code="rate"
        )
    return services.report_submit(
        village=village,
        submission=services.Submission(
            category=guess_category(village, text),
            description=text,
            answers={},
            lane=None,
            latitude=place.get("latitude"),
            longitude=place.get("longitude"),
        ),
        photos=place.get("photos", []),
        sender_hash=follower_hash(follower),
        zalo_follower=follower,
    )


def follower_hash(follower: ZaloFollower) -> str:
    """The sender digest blocks and limits use, for a Zalo follower."""
    from feedback.models import contact_hash

    return contact_hash("zalo:" + follower.user_id)


def _text(village: Village, follower: ZaloFollower, message: dict[str, Any], now: Any) -> str:
    text = str(message.get("text") or "").strip()
    if not text:
        raise ValidationError(_("The message has no text."), code="empty")
    report = _open_burst(follower, now)
    if report is None:
        report = _new_report(village, follower, text)
        return f"report {report.tracking_code}"
    report.description = f"{report.description}\n{text}"
    report.save(update_fields=["description"])
    return f"added to {report.tracking_code}"


def _attachment(message: dict[str, Any]) -> dict[str, Any]:
    attachments = message.get("attachments")
    if isinstance(attachments, list) and attachments and isinstance(attachments[0], dict):
        payload = attachments[0].get("payload")
        if isinstance(payload, dict):
            return payload
    raise ValidationError(_("The message has no attachment."), code="attachment")


def _photo(village: Village, follower: ZaloFollower, message: dict[str, Any], now: Any) -> str:
    url = str(_attachment(message).get("url") or "")
    photo = zalo.fetch_photo(url)  # ValidationError: not a photo, nothing stored
    report = _open_burst(follower, now)
    if report is None:
        caption = str(message.get("text") or "").strip()
        report = _new_report(
            village, follower, caption or _("(A photo sent through Zalo.)"), photos=[photo]
        )
        return f"report {report.tracking_code}"
    services.photos_add(report=report, photos=[photo])
    return f"photo added to {report.tracking_code}"


def _location(village: Village, follower: ZaloFollower, message: dict[str, Any], now: Any) -> str:
    coordinates = _attachment(message).get("coordinates")
    if not isinstance(coordinates, dict):
        raise ValidationError(_("The location has no coordinates."), code="coordinates")
    message_error = _("The location has no coordinates.")
    latitude = finite_decimal(coordinates.get("latitude"), message=message_error)
    longitude = finite_decimal(coordinates.get("longitude"), message=message_error)
    if latitude is None or longitude is None or abs(latitude) > 90 or abs(longitude) > 180:
        raise ValidationError(message_error, code="coordinates")
    latitude = latitude.quantize(Decimal("0.0000001"))
    longitude = longitude.quantize(Decimal("0.0000001"))
    services.location_check(village=village, latitude=latitude, longitude=longitude)
    report = _open_burst(follower, now)
    if report is None:
        report = _new_report(
            village,
            follower,
            _("(A location sent through Zalo.)"),
            latitude=latitude,
            longitude=longitude,
        )
        return f"report {report.tracking_code}"
    report.latitude, report.longitude = latitude, longitude
    report.save(update_fields=["latitude", "longitude"])
    return f"location added to {report.tracking_code}"


def _link(village: Village, follower: ZaloFollower, payload: dict[str, Any], now: Any) -> str:
    """The follower pressed "share my information": link them to the resident with that phone
    number in the village, with their consent recorded; nothing is linked when no resident, or
    more than one, has that number."""
    info = payload.get("info")
    phone = str(info.get("phone") or "") if isinstance(info, dict) else ""
    try:
        number = normalize_phone(phone)
    except ValidationError as exc:
        raise ValidationError(_("The shared phone number is not valid."), code="phone") from exc
    national = "0" + number[3:] if number.startswith("+84") else number
    residents = list(
        Resident.objects.current()
        .filter(household__village=village, phone__in=[number, national, number.lstrip("+")])
        .values_list("pk", flat=True)[:2]
    )
    if len(residents) != 1:
        raise ValidationError(
            _("No resident of the village is registered with this phone number."),
            code="no_resident",
        )
    if follower.resident_id == residents[0] and follower.verified_at is not None:
        return "linked before, verified"
    # Unverified: a typed number proves nothing (feedback.zalo_link verifies it).
    follower.resident_id = residents[0]
    follower.consent_at = now
    follower.consent_text = CONSENT_TEXT
    follower.verified_at, follower.verified_how, follower.verified_by = None, "", None
    follower.save(
        update_fields=[
            "resident",
            "consent_at",
            "consent_text",
            "verified_at",
            "verified_how",
            "verified_by",
        ]
    )
    return "linked, unverified"


@services._atomic_with_file_cleanup
def _handle(event: ZaloEvent, village: Village, now: Any) -> tuple[str, str]:
    """(outcome, an answer for the sender or "")."""
    payload = event.payload
    name = event.event_name
    follower = _follower(village, event.user_id)
    # One event of a person at a time: two workers never both start their report.
    follower = ZaloFollower.objects.select_for_update().get(pk=follower.pk)
    if name in FOLLOW_EVENTS:
        follower.following = name == "follow"
        follower.save(update_fields=["following"])
        return name, ""
    if name in LINK_EVENTS:
        return _link(village, follower, payload, now), ""
    message = payload.get("message")
    if not isinstance(message, dict):
        raise ValidationError(_("The event has no message."), code="message")
    if name == "user_send_text":
        code = zalo_link.code_in(str(message.get("text") or ""))
        if code is not None:
            # A link code from the resident's account page: never a report.
            return zalo_link.link_code_redeem(follower=follower, code=code, now=now)
        return _text(village, follower, message, now), ""
    if name == "user_send_image":
        return _photo(village, follower, message, now), ""
    return _location(village, follower, message, now), ""


def _interaction_record(event: ZaloEvent) -> None:
    """The person wrote to the OA at the event's time: the OA may write to them for a while."""
    stamp = str(event.payload.get("timestamp") or "")
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 15):
        return
    at = datetime.fromtimestamp(int(stamp) / 1000, tz=UTC)
    ZaloFollower.objects.filter(user_id=event.user_id).filter(
        Q(last_interaction_at__isnull=True) | Q(last_interaction_at__lt=at)
    ).update(last_interaction_at=at)


def followers_for(resident_ids: list[int]) -> dict[int, tuple[str, Any]]:
    """The verified followers of these residents who still follow the OA: resident id ->
    (Zalo user id, when they last wrote). Announcements uses it (through
    ``villageportal.zalo_followers``) to write to them through the OA."""
    rows = (
        ZaloFollower.objects.filter(
            resident_id__in=resident_ids,
            following=True,
            consent_at__isnull=False,
            verified_at__isnull=False,
        )
        .order_by("resident_id", "-last_interaction_at")
        .values_list("resident_id", "user_id", "last_interaction_at")
    )
    found: dict[int, tuple[str, Any]] = {}
    for resident_id, user_id, last in rows:
        if resident_id is not None and resident_id not in found:
            found[resident_id] = (user_id, last)
    return found


def event_process(*, event_id: int) -> str:
    """Handle one recorded event, once. A refusal (not a photo, a place outside the village)
    changes nothing and is explained to the sender by a message."""
    now = timezone.now()
    with transaction.atomic():
        event = ZaloEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None or event.processed_at is not None:
            return "done before"
        home = village()
        outcome, reply = "", ""
        if home is None or not event.user_id:
            outcome = "no village or no sender"
        else:
            try:
                outcome, reply = _handle(event, home, now)
            except ValidationError as exc:
                with translation.override(settings.LANGUAGE_CODE):
                    reply = " ".join(str(m) for m in exc.messages)
                outcome = f"refused: {exc.code or ''}"
        if event.user_id and event.event_name in INTERACTIONS:
            _interaction_record(event)
        event.processed_at = now
        event.outcome = outcome[:255]
        event.reply = reply[:500]
        if event.event_name in LINK_EVENTS:
            # The shared name, phone and address are not kept beyond the link they made.
            event.payload = {k: v for k, v in event.payload.items() if k != "info"}
        event.save(update_fields=["processed_at", "outcome", "reply", "payload"])
        if reply:
            from feedback.tasks import zalo_notice_task

            transaction.on_commit(lambda: zalo_notice_task.delay(event.pk), robust=True)
    return outcome


def reply_text(event: Event) -> str:
    """What the conversation is told of a report's public history entry."""
    report = event.report
    url = notify.status_url(report)
    with translation.override(settings.LANGUAGE_CODE):
        if event.kind == Event.Kind.CREATED:
            return _(
                "The village has received your report. Tracking code: %(code)s. "
                "Follow it at %(url)s"
            ) % {"code": report.tracking_code, "url": url}
        if event.kind == Event.Kind.STATUS:
            text = _("Report %(code)s: %(status)s.") % {
                "code": report.tracking_code,
                "status": event.get_to_status_display(),
            }
            if event.text:
                text += " " + event.text
            return f"{text} {url}"
        return _("Report %(code)s, the village replies: %(text)s") % {
            "code": report.tracking_code,
            "text": event.text,
        }


def send_reply(*, event_id: int) -> str:
    """Send a report's public change to its Zalo conversation, once (``Event.zalo_sent_at``)."""
    with transaction.atomic():
        event = (
            Event.objects.select_for_update(of=("self",))
            .select_related("report__zalo_follower")
            .filter(pk=event_id, public=True, zalo_sent_at__isnull=True, kind__in=TOLD)
            .first()
        )
        if event is None or event.report.zalo_follower is None or not zalo.configured():
            return ""
        message_id = zalo.send_text(
            user_id=event.report.zalo_follower.user_id, text=reply_text(event)
        )
        event.zalo_sent_at = timezone.now()
        event.save(update_fields=["zalo_sent_at"])
    return message_id


def send_notice(*, zalo_event_id: int) -> str:
    """Send the sender of an event the notice its handling left (``ZaloEvent.reply``), once."""
    with transaction.atomic():
        event = (
            ZaloEvent.objects.select_for_update()
            .filter(pk=zalo_event_id, replied_at__isnull=True)
            .exclude(reply="")
            .first()
        )
        if event is None:
            return ""
        message_id = zalo.send_text(user_id=event.user_id, text=event.reply)
        event.replied_at = timezone.now()
        event.save(update_fields=["replied_at"])
    return message_id


def events_tidy(*, now: Any = None) -> tuple[int, int]:
    """Handle the events a lost task left waiting (a broker restart), and delete the handled
    ones older than ``FEEDBACK_ZALO_EVENT_KEEP_DAYS``: (handled, deleted). Replays of deleted
    events are refused as stale long before (``FEEDBACK_ZALO_MAX_AGE``)."""
    now = now or timezone.now()
    # Within a day: an event whose handling keeps failing is not tried every 5 minutes forever.
    waiting = list(
        ZaloEvent.objects.filter(
            processed_at__isnull=True,
            received_at__lt=now - timedelta(minutes=2),
            received_at__gte=now - timedelta(days=1),
        ).values_list("pk", flat=True)[:500]
    )
    for pk in waiting:
        event_process(event_id=pk)
    keep = timedelta(days=int(settings.FEEDBACK_ZALO_EVENT_KEEP_DAYS))
    deleted, _by_model = ZaloEvent.objects.filter(received_at__lt=now - keep).delete()
    return len(waiting), deleted
