"""Writes of the announcements app: composing, sending (the outbox), draining, receipts."""

import hashlib
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Cast
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.roles import Role
from announcements.conf import setting
from announcements.gateways import (
    GATEWAYS,
    Message,
    PermanentError,
    Provider,
    Recovery,
    TokenExpiredError,
    TransientError,
    UncertainError,
    channel_configured,
    gateway_for,
)
from announcements.models import (
    CHANNEL_ORDER,
    Acknowledgement,
    Announcement,
    Channel,
    Delivery,
    Group,
    Preference,
    PushSubscription,
    Share,
    ShareLanding,
    Sighting,
    SpeakerCluster,
)
from households.models import Household, Resident

logger = logging.getLogger(__name__)


def available_channels() -> list[str]:
    """Channels that can be used now: SMS and Zalo only once their gateway is configured."""
    return [c.value for c in CHANNEL_ORDER if channel_configured(c.value)]


# Audience ------------------------------------------------------------------------------------


def audience_residents(
    *,
    village: Any,
    audience: str,
    lanes: Iterable[Any] = (),
    groups: Iterable[Group] = (),
    household: Household | None = None,
) -> models.QuerySet[Resident]:
    """The people an announcement reaches: current residents of active households."""
    residents = Resident.objects.current().filter(
        household__village=village,
        household__status=Household.Status.ACTIVE,
        household__deleted_at__isnull=True,
    )
    if audience == Announcement.Audience.LANES:
        residents = residents.filter(household__lane__in=list(lanes))
    elif audience == Announcement.Audience.HOUSEHOLD:
        residents = residents.filter(household=household) if household else residents.none()
    elif audience == Announcement.Audience.GROUPS:
        condition = Q(pk__in=[])
        for group in groups:
            if group.kind == Group.Kind.BUSINESS:
                condition |= Q(household__is_business=True)
            elif group.kind == Group.Kind.DIGITAL_TEAM:
                condition |= Q(
                    account__memberships__role=Role.DIGITAL_TEAM,
                    account__memberships__village=village,
                )
            else:
                condition |= Q(pk__in=group.members.values("pk"))
        residents = residents.filter(pk__in=Resident.objects.filter(condition).values("pk"))
    return residents.order_by()


def announcement_residents(announcement: Announcement) -> models.QuerySet[Resident]:
    return audience_residents(
        village=announcement.village,
        audience=announcement.audience,
        lanes=announcement.lanes.all(),
        groups=announcement.groups.all(),
        household=announcement.household,
    )


# How each channel reaches a resident: who has what it needs, and the address a delivery
# row keeps. A channel sent through an HTTP provider also has a gateway (gateways.GATEWAYS);
# the outbox, exactly-once sending, retries and receipts are the same for every channel.
REACH: dict[str, tuple[Q, Any]] = {
    Channel.WEB: (Q(account__isnull=False), Value("")),
    Channel.EMAIL: (
        Q(account__isnull=False, account__is_active=True, account__email__isnull=False),
        F("account__email"),
    ),
    Channel.SMS: (~Q(phone=""), F("phone")),
    Channel.ZALO: (~Q(phone=""), F("phone")),
    # Someone with a device where push notifications are on; the row keeps the account's id,
    # and the provider sends to each of that account's devices (announcements/webpush.py).
    Channel.PUSH: (
        Q(Exists(PushSubscription.objects.filter(user_id=OuterRef("account_id")))),
        Cast("account_id", output_field=models.CharField()),
    ),
}


def _channel_filter(residents: models.QuerySet[Resident], channel: str) -> models.QuerySet:
    reachable, _address = REACH[channel]
    residents = residents.filter(reachable)
    return residents.exclude(**{f"announcement_preference__{channel}": False})


def audience_count(
    *, residents: models.QuerySet[Resident], channels: Iterable[str], speakers_of: Any = None
) -> dict:
    """The live count shown before sending: people, households, and reachable per channel.

    With ``speakers_of`` (a village), also the households whose lane one of its loudspeaker
    clusters covers: those the loudspeakers would reach.
    """
    totals = residents.aggregate(people=Count("pk"), households=Count("household", distinct=True))
    by_channel = {channel: _channel_filter(residents, channel).count() for channel in channels}
    count = {**totals, "channels": by_channel}
    if speakers_of is not None:
        covered = SpeakerCluster.lanes.through.objects.filter(
            speakercluster__village=speakers_of
        ).values("lane_id")
        count["loudspeaker_households"] = (
            residents.filter(household__lane_id__in=covered)
            .values("household_id")
            .distinct()
            .count()
        )
    return count


# Composing and sending -----------------------------------------------------------------------


def _check_sendable(announcement: Announcement, *, at: datetime | None) -> None:
    if announcement.status not in (
        Announcement.Status.DRAFT,
        Announcement.Status.PENDING_APPROVAL,
        Announcement.Status.SCHEDULED,
    ):
        raise ValidationError(_("This announcement has already been sent or withdrawn."))
    if at is not None and at < timezone.now() - timedelta(minutes=1):
        raise ValidationError(_("The sending time is in the past."))
    if not announcement.channels and not announcement.loudspeakers:
        raise ValidationError(_("Choose at least one channel."))
    if not announcement_residents(announcement).exists():
        raise ValidationError(_("The audience is empty: nobody would receive this announcement."))


def needs_approval(*, announcement: Announcement, by: Any) -> bool:
    """With ANNOUNCEMENTS_REQUIRE_APPROVAL on, only the village head sends without approval."""
    from accounts.access import roles_in_village

    if not setting_bool("ANNOUNCEMENTS_REQUIRE_APPROVAL"):
        return False
    if getattr(by, "is_superuser", False):
        return False
    return Role.VILLAGE_HEAD not in roles_in_village(user=by, village=announcement.village)


def setting_bool(name: str) -> bool:
    from django.conf import settings

    return bool(getattr(settings, name))


def _check_audience_choice(
    *, village: Any, lanes: list[Any], groups: list[Group], household: Household | None
) -> None:
    if any(lane.village_id != village.pk for lane in lanes) or any(
        group.village_id != village.pk for group in groups
    ):
        raise ValidationError(_("Choose lanes and groups of this village."))
    if household is not None and household.village_id != village.pk:
        raise ValidationError(_("Choose a household of this village."))


def _save_composed(
    announcement: Announcement,
    *,
    by: Any,
    lanes: list[Any],
    groups: list[Group],
    submit: bool,
    review: bool,
    at: datetime | None,
    keep_file: str = "",
) -> Announcement:
    """Save, set the audience, then submit or check it can be sent; on a refusal roll back and
    delete an attachment this call wrote (the storage writes it on save)."""
    # A draft may have no channel yet; the submission checks them.
    announcement.full_clean(exclude=["channels"])
    try:
        with transaction.atomic():
            announcement.save()
            announcement.lanes.set(lanes)
            announcement.groups.set(groups)
            if submit:
                announcement = announcement_submit(announcement=announcement, by=by, at=at)
            elif review:
                _check_sendable(announcement, at=at)
    except ValidationError:
        if announcement.attachment and announcement.attachment.name != keep_file:
            announcement.attachment.delete(save=False)
        raise
    return announcement


def announcement_create(
    *,
    village: Any,
    by: Any,
    lanes: Iterable[Any] = (),
    groups: Iterable[Group] = (),
    submit: bool = True,
    review: bool = False,
    **fields: Any,
) -> Announcement:
    """Save a composed announcement with its audience; unless it is a draft, submit it too.

    With ``review`` it stays a draft, but only if it could be sent as it is: the compose
    page's first step, before the confirmation. A refused submission leaves nothing behind:
    the row is rolled back and the attachment, which the storage wrote on save, is deleted.
    """
    lanes, groups = list(lanes), list(groups)
    _check_audience_choice(
        village=village, lanes=lanes, groups=groups, household=fields.get("household")
    )
    announcement = Announcement(village=village, created_by=by, **fields)
    return _save_composed(
        announcement,
        by=by,
        lanes=lanes,
        groups=groups,
        submit=submit,
        review=review,
        at=fields.get("send_at"),
    )


def announcement_draft_update(
    *,
    announcement: Announcement,
    by: Any,
    lanes: Iterable[Any] = (),
    groups: Iterable[Group] = (),
    review: bool = False,
    **fields: Any,
) -> Announcement:
    """Change a draft (back from the confirmation step); with ``review``, check it can be sent.

    A replaced attachment's old file is deleted once the change is committed.
    """
    lanes, groups = list(lanes), list(groups)
    announcement = Announcement.objects.get(pk=announcement.pk)
    if announcement.status != Announcement.Status.DRAFT:
        raise ValidationError(_("Only a draft can be changed; this one was already submitted."))
    _check_audience_choice(
        village=announcement.village,
        lanes=lanes,
        groups=groups,
        household=fields.get("household"),
    )
    old_file = announcement.attachment.name or ""
    if fields.get("attachment") is False:  # "clear" ticked on the form
        fields["attachment"] = ""
    for name, value in fields.items():
        setattr(announcement, name, value)
    announcement = _save_composed(
        announcement,
        by=by,
        lanes=lanes,
        groups=groups,
        submit=False,
        review=review,
        at=fields.get("send_at"),
        keep_file=old_file,
    )
    if old_file and announcement.attachment.name != old_file:
        storage = announcement.attachment.storage
        transaction.on_commit(lambda: storage.delete(old_file))
    return announcement


def confirmation_summary(*, announcement: Announcement) -> dict[str, Any]:
    """What the confirmation step shows before "Send": who gets it on which channels.

    ``fingerprint`` changes with anything shown there (text, audience, channels, the counts),
    so a confirmation of an announcement that changed since it was shown is refused.
    """
    from announcements import speakers

    residents = announcement_residents(announcement)
    usable = [c for c in announcement.channels if channel_configured(c)]
    count = audience_count(
        residents=residents,
        channels=usable,
        speakers_of=announcement.village if announcement.loudspeakers else None,
    )
    clusters = speakers.clusters_for(announcement) if announcement.loudspeakers else []
    shown = {
        "pk": announcement.pk,
        "text": [announcement.title, announcement.body, announcement.kind],
        "audience": [
            announcement.audience,
            sorted(announcement.lanes.values_list("pk", flat=True)),
            sorted(announcement.groups.values_list("pk", flat=True)),
            announcement.household_id,
        ],
        "channels": sorted(announcement.channels),
        "loudspeakers": announcement.loudspeakers,
        "is_public": announcement.is_public,
        "send_at": announcement.send_at.isoformat() if announcement.send_at else None,
        "count": count,
        "clusters": sorted(c.pk for c in clusters),
    }
    fingerprint = hashlib.sha256(
        json.dumps(shown, sort_keys=True, default=str).encode()
    ).hexdigest()
    return {
        **count,
        "channels_off": [c for c in announcement.channels if c not in usable],
        "clusters": clusters,
        "fingerprint": fingerprint,
    }


@transaction.atomic
def announcement_confirm(*, announcement: Announcement, by: Any, fingerprint: str) -> Announcement:
    """The confirmation step's "Send": submit the draft exactly as it was shown, once."""
    announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if announcement.status != Announcement.Status.DRAFT:
        raise ValidationError(_("This announcement was already submitted; nothing was sent again."))
    if confirmation_summary(announcement=announcement)["fingerprint"] != fingerprint:
        raise ValidationError(
            _(
                "The announcement or its recipients changed since you checked them. "
                "Nothing was sent: check again, then send."
            )
        )
    return announcement_submit(announcement=announcement, by=by, at=announcement.send_at)


@transaction.atomic
def announcement_submit(
    *, announcement: Announcement, by: Any, at: datetime | None = None
) -> Announcement:
    """Send now, schedule, or hold for the head's approval; one call from the compose page."""
    announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    _check_sendable(announcement, at=at)
    announcement.send_at = at
    if needs_approval(announcement=announcement, by=by):
        announcement.status = Announcement.Status.PENDING_APPROVAL
        announcement.save(update_fields=["status", "send_at"])
        return announcement
    if at is not None and at > timezone.now():
        announcement.status = Announcement.Status.SCHEDULED
        announcement.save(update_fields=["status", "send_at"])
        _schedule_reminders(announcement)
        return announcement
    return announcement_send(announcement=announcement, by=by)


@transaction.atomic
def announcement_approve(*, announcement: Announcement, by: Any) -> Announcement:
    announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if announcement.status != Announcement.Status.PENDING_APPROVAL:
        raise ValidationError(_("This announcement is not waiting for approval."))
    announcement.approved_by = by
    announcement.save(update_fields=["approved_by"])
    if announcement.send_at and announcement.send_at > timezone.now():
        announcement.status = Announcement.Status.SCHEDULED
        announcement.save(update_fields=["status"])
        _schedule_reminders(announcement)
        return announcement
    return announcement_send(announcement=announcement, by=by)


@transaction.atomic
def announcement_send(*, announcement: Announcement, by: Any = None) -> Announcement:
    """Mark sent and write the outbox in the same transaction; workers start after commit."""
    announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if announcement.status in (Announcement.Status.SENT, Announcement.Status.WITHDRAWN):
        return announcement
    _check_sendable(announcement, at=None)
    announcement.status = Announcement.Status.SENT
    announcement.sent_at = timezone.now()
    channels = [c for c in announcement.channels if channel_configured(c)]
    written = deliveries_create(
        announcement=announcement, residents=announcement_residents(announcement), channels=channels
    )
    announcement.recipients_count = announcement_residents(announcement).count()
    announcement.save(update_fields=["status", "sent_at", "recipients_count"])
    if announcement.loudspeakers:
        from announcements import speakers

        speakers.items_schedule(announcement=announcement)
    if announcement.event_at and announcement.reminder_of_id is None:
        _schedule_reminders(announcement)
    _after_send(announcement, channels, written)
    return announcement


def _after_send(announcement: Announcement, channels: list[str], written: int) -> None:
    from announcements import tasks
    from households.live import village_live_notify
    from villageportal.public_cache import bump

    village_live_notify(
        village=announcement.village,
        kind="announcement_sent",
        message=_("Announcement sent: %(title)s (%(count)s messages queued)")
        % {"title": announcement.title, "count": written},
        announcement=announcement.pk,
    )
    if announcement.is_public:
        bump(announcement.village_id)
    transaction.on_commit(lambda: tasks.deliveries_dispatch(channels))


def deliveries_create(
    *, announcement: Announcement, residents: models.QuerySet[Resident], channels: Iterable[str]
) -> int:
    """The outbox: one row per (announcement, resident, channel), by INSERT ... SELECT.

    The database writes the rows from the audience query without a round trip per row; the
    unique constraint with ON CONFLICT DO NOTHING makes a second call write nothing.
    """
    now = timezone.now()
    written = 0
    for channel in channels:
        _reachable, address = REACH[channel]
        rows = (
            _channel_filter(residents, channel)
            .order_by()
            .annotate(
                d_announcement=Value(announcement.pk, output_field=models.BigIntegerField()),
                d_resident=F("pk"),
                d_channel=Value(channel, output_field=models.CharField()),
                d_household=F("household_id"),
                d_lane=F("household__lane_id"),
                d_address=address,
                d_status=Value(Delivery.Status.QUEUED, output_field=models.CharField()),
                d_reason=Value("", output_field=models.CharField()),
                d_ref=Value("", output_field=models.CharField()),
                d_request=Value("", output_field=models.CharField()),
                d_attempts=Value(0, output_field=models.IntegerField()),
                d_next=Value(now, output_field=models.DateTimeField()),
            )
            .values(
                "d_announcement",
                "d_resident",
                "d_channel",
                "d_household",
                "d_lane",
                "d_address",
                "d_status",
                "d_reason",
                "d_ref",
                "d_request",
                "d_attempts",
                "d_next",
            )
        )
        select_sql, params = rows.query.sql_with_params()
        table = Delivery._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (announcement_id, resident_id, channel, household_id, "
                "lane_id, address, status, reason, gateway_ref, request_id, attempts, "
                "next_attempt_at) "
                f"{select_sql} ON CONFLICT DO NOTHING",
                params,
            )
            written += max(cursor.rowcount, 0)
    return written


def _schedule_reminders(announcement: Announcement) -> None:
    """For an event: a reminder the day before and an hour before, sent by the beat job."""
    if not announcement.event_at or announcement.kind != Announcement.Kind.MEETING:
        return
    now = timezone.now()
    for delta in (timedelta(days=1), timedelta(hours=1)):
        at = announcement.event_at - delta
        if at <= now or announcement.reminders.filter(send_at=at).exists():
            continue
        reminder = Announcement.objects.create(
            village=announcement.village,
            title=_("Reminder: %(title)s") % {"title": announcement.title},
            body=announcement.body,
            kind=announcement.kind,
            is_public=False,
            event_at=announcement.event_at,
            event_place=announcement.event_place,
            audience=announcement.audience,
            household=announcement.household,
            channels=announcement.channels,
            status=Announcement.Status.SCHEDULED,
            send_at=at,
            reminder_of=announcement,
            created_by=announcement.created_by,
        )
        reminder.lanes.set(announcement.lanes.all())
        reminder.groups.set(announcement.groups.all())


EXPIRY_MARK = "announcements:expired-until"


def alerts_expired_refresh() -> int:
    """Refresh the cached public pages of villages whose public alerts expired since the last
    run (the beat job, every minute): the lists filter on the expiry when they are read, but a
    page kept in the cache was rendered before. Returns the number of villages refreshed."""
    from django.core.cache import cache

    from villageportal.public_cache import bump

    now = timezone.now()
    since = cache.get(EXPIRY_MARK) or now - timedelta(days=1)
    villages = set(
        Announcement.objects.filter(
            is_public=True,
            status=Announcement.Status.SENT,
            cap_expires__gt=since,
            cap_expires__lte=now,
        ).values_list("village_id", flat=True)
    )
    for village_id in villages:
        bump(village_id)
    cache.set(EXPIRY_MARK, now, timeout=None)
    return len(villages)


def announcements_send_due() -> int:
    """Send the scheduled announcements and reminders whose time has come (the beat job)."""
    alerts_expired_refresh()
    sent = 0
    due = Announcement.objects.filter(
        status=Announcement.Status.SCHEDULED, send_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    for pk in list(due):
        announcement = Announcement.objects.get(pk=pk)
        if announcement.reminder_of and (
            announcement.reminder_of.status == Announcement.Status.WITHDRAWN
        ):
            Announcement.objects.filter(pk=pk).update(status=Announcement.Status.WITHDRAWN)
            continue
        try:
            announcement_send(announcement=announcement)
            sent += 1
        except ValidationError as exc:
            Announcement.objects.filter(pk=pk).update(status=Announcement.Status.DRAFT)
            import logging

            logging.getLogger(__name__).warning("announcement %s not sent: %s", pk, exc)
    return sent


@transaction.atomic
def announcement_withdraw(*, announcement: Announcement, by: Any, reason: str) -> Announcement:
    """Withdraw: unsent messages are cancelled; those who got it receive the notice."""
    announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if announcement.status == Announcement.Status.WITHDRAWN:
        raise ValidationError(_("This announcement is already withdrawn."))
    if not reason.strip():
        raise ValidationError(_("Say why the announcement is withdrawn."))
    was_sent = announcement.status == Announcement.Status.SENT
    announcement.status = Announcement.Status.WITHDRAWN
    announcement.withdrawn_at = timezone.now()
    announcement.save(update_fields=["status", "withdrawn_at"])
    Delivery.objects.filter(announcement=announcement, status=Delivery.Status.QUEUED).update(
        status=Delivery.Status.FAILED, reason="withdrawn before sending"
    )
    announcement.reminders.filter(status=Announcement.Status.SCHEDULED).update(
        status=Announcement.Status.WITHDRAWN
    )
    if was_sent:
        _send_to_reached(
            announcement,
            _correction_create(
                announcement=announcement,
                by=by,
                title=_("Withdrawn: %(title)s") % {"title": announcement.title},
                body=reason,
            ),
        )
    from villageportal.public_cache import bump

    bump(announcement.village_id)
    return announcement


def _correction_create(
    *, announcement: Announcement, by: Any, title: str, body: str
) -> Announcement:
    """A correction goes to exactly those who received the original: one household at a time
    is not enough, so it is addressed by the original's delivered rows."""
    return Announcement.objects.create(
        village=announcement.village,
        title=title,
        body=body,
        kind=announcement.kind,
        is_public=announcement.is_public,
        audience=announcement.audience,
        household=announcement.household,
        channels=announcement.channels,
        corrects=announcement,
        created_by=by,
        # The alert's terms carry over: its CAP Update or Cancel expires when it would have.
        cap_urgency=announcement.cap_urgency,
        cap_severity=announcement.cap_severity,
        risk_level=announcement.risk_level,
        cap_area=announcement.cap_area,
        cap_expires=announcement.cap_expires,
    )


@transaction.atomic
def announcement_correct(
    *, announcement: Announcement, by: Any, title: str, body: str
) -> Announcement:
    """Send a correction to the people who got the original, on the channels that reached them."""
    if announcement.status != Announcement.Status.SENT:
        raise ValidationError(_("Only a sent announcement can be corrected."))
    if not body.strip() or not title.strip():
        raise ValidationError(_("Write the corrected title and text."))
    correction = _correction_create(announcement=announcement, by=by, title=title, body=body)
    return _send_to_reached(announcement, correction)


def _send_to_reached(announcement: Announcement, correction: Announcement) -> Announcement:
    correction.lanes.set(announcement.lanes.all())
    correction.groups.set(announcement.groups.all())
    correction.status = Announcement.Status.SENT
    correction.sent_at = timezone.now()
    reached = Delivery.objects.filter(
        announcement=announcement,
        status__in=[Delivery.Status.SENT, Delivery.Status.DELIVERED, Delivery.Status.READ],
    )
    channels = sorted(set(reached.values_list("channel", flat=True)))
    written = 0
    for channel in channels:
        residents = Resident.objects.filter(
            pk__in=reached.filter(channel=channel).values("resident_id")
        )
        written += deliveries_create(
            announcement=correction, residents=residents, channels=[channel]
        )
    correction.recipients_count = reached.values("resident_id").distinct().count()
    correction.save(update_fields=["status", "sent_at", "recipients_count"])
    _after_send(correction, channels, written)
    return correction


# Draining the outbox ---------------------------------------------------------------------------


def _throttle(channel: str) -> None:
    """A limit of N messages per second per channel, shared by every worker through the cache.

    Celery's own rate_limit is per worker process, which would let two workers send twice the
    gateway's contract; a fixed one-second window in Redis is enough for a gateway limit.
    """
    rate = setting(f"ANNOUNCEMENTS_RATE_{channel.upper()}")
    if not rate:
        return
    while True:
        second = int(time.time())
        key = f"announcements:rate:{channel}:{second}"
        cache.add(key, 0, timeout=5)
        try:
            used = cache.incr(key)
        except ValueError:
            continue
        if used <= rate:
            return
        time.sleep(max(0.0, second + 1 - time.time()))


def _next_quiet_end(preference: Preference, now: datetime) -> datetime:
    local = timezone.localtime(now)
    end = local.replace(
        hour=preference.quiet_until.hour,  # type: ignore[union-attr]
        minute=preference.quiet_until.minute,  # type: ignore[union-attr]
        second=0,
        microsecond=0,
    )
    if end <= local:
        end += timedelta(days=1)
    return end


def _send_email(delivery: Delivery) -> str:
    announcement = delivery.announcement
    context = {"announcement": announcement, "resident": delivery.resident}
    with translation.override("vi"):
        subject = render_to_string("announcements/email/announcement_subject.txt", context).strip()
        text = render_to_string("announcements/email/announcement_message.txt", context)
        html = render_to_string("announcements/email/announcement_message.html", context)
    message = EmailMultiAlternatives(
        subject,
        text,
        None,
        [delivery.address],
        headers={"Message-ID": f"<{delivery.idempotency_key}@villageportal>"},
    )
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except OSError as exc:
        raise TransientError(f"mail server: {type(exc).__name__}") from exc
    return ""


def _push_web(deliveries: list[Delivery]) -> None:
    """Live push to the residents' open feeds, after the rows are committed."""
    from announcements.live import feed_notify

    for delivery in deliveries:
        account_id = delivery.resident.account_id
        if account_id:
            feed_notify(
                user_id=account_id,
                title=delivery.announcement.title,
                code=delivery.announcement.public_code,
            )


_STATUS_FIELDS = [
    "status",
    "reason",
    "attempts",
    "next_attempt_at",
    "gateway_ref",
    "sent_at",
    "delivered_at",
    "request_id",
    "first_tried_at",
]
_senders_lock = threading.Lock()
_senders: tuple[int, int, ThreadPoolExecutor] | None = None


def _sender_pool() -> ThreadPoolExecutor | None:
    """The worker process's sending threads (``ANNOUNCEMENTS_SEND_THREADS``); None for one."""
    global _senders
    threads = setting("ANNOUNCEMENTS_SEND_THREADS")
    if threads <= 1:
        return None
    pid = os.getpid()
    if _senders is None or _senders[:2] != (pid, threads):
        with _senders_lock:
            if _senders is None or _senders[:2] != (pid, threads):
                _senders = (
                    pid,
                    threads,
                    ThreadPoolExecutor(threads, thread_name_prefix="announcements-send"),
                )
    return _senders[2]


def _gateway_send(gateway: Provider, channel: str, message: Message) -> str | Exception:
    """One message through the provider, within the channel's rate: its reference or the error.

    Runs in a sending thread: no database access here, only the rate counter and HTTP.
    """
    try:
        _throttle(channel)
        return gateway.send(message)
    except (PermanentError, TransientError, UncertainError) as exc:
        return exc


def _gateway_send_all(gateway: Provider, channel: str, messages: list[Message]) -> list:
    pool = _sender_pool()
    if pool is None or len(messages) < 2:
        return [_gateway_send(gateway, channel, message) for message in messages]
    return list(pool.map(lambda message: _gateway_send(gateway, channel, message), messages))


def _backoff(delivery: Delivery, now: datetime) -> datetime:
    return now + timedelta(
        seconds=setting("ANNOUNCEMENTS_RETRY_SECONDS") * 2 ** max(0, delivery.attempts - 1)
    )


def _outcome(delivery: Delivery, error: Exception | None, now: datetime) -> None:
    """Set a tried row's status: sent (or delivered), failed with the reason, or retried later."""
    if error is None:
        delivery.sent_at = now
        delivery.reason = ""
    elif isinstance(error, PermanentError):
        delivery.status = Delivery.Status.FAILED
        delivery.reason = str(error)[:255]
    elif delivery.attempts >= setting("ANNOUNCEMENTS_MAX_ATTEMPTS"):
        delivery.status = Delivery.Status.FAILED
        delivery.reason = f"{error} (after {delivery.attempts} attempts)"[:255]
    else:
        delivery.reason = str(error)[:255]
        retry_at = getattr(error, "retry_at", None)
        if isinstance(error, TokenExpiredError):
            retry_at = now  # the token is refreshed after the chunk; nothing was sent
        delivery.next_attempt_at = retry_at or _backoff(delivery, now)


def _statuses_write(rows: list[Delivery]) -> None:
    """The chunk's new statuses in one UPDATE (PostgreSQL: from arrays; elsewhere bulk_update)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        Delivery.objects.bulk_update(rows, _STATUS_FIELDS, batch_size=500)
        return
    table = connection.ops.quote_name(Delivery._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} AS d SET
                status = v.status, reason = v.reason, attempts = v.attempts,
                next_attempt_at = v.next_attempt_at, gateway_ref = v.gateway_ref,
                sent_at = v.sent_at, delivered_at = v.delivered_at,
                request_id = v.request_id, first_tried_at = v.first_tried_at
            FROM unnest(
                %s::bigint[], %s::text[], %s::text[], %s::integer[],
                %s::timestamptz[], %s::text[], %s::timestamptz[], %s::timestamptz[],
                %s::text[], %s::timestamptz[]
            ) AS v(id, status, reason, attempts, next_attempt_at, gateway_ref, sent_at,
                   delivered_at, request_id, first_tried_at)
            WHERE d.id = v.id
            """,  # noqa: S608 - the table name comes from the model
            [[row.pk for row in rows]]
            + [[getattr(row, name) for row in rows] for name in _STATUS_FIELDS],
        )


def _held_back(delivery: Delivery, channel: str, now: datetime) -> bool:
    """Withdrawn, or in the resident's quiet hours: set the row's status and say so."""
    announcement = delivery.announcement
    if announcement.status == Announcement.Status.WITHDRAWN:
        delivery.status = Delivery.Status.FAILED
        delivery.reason = "withdrawn before sending"
        return True
    preference = getattr(delivery.resident, "announcement_preference", None)
    if (
        preference is not None
        and channel in GATEWAYS
        and announcement.kind != Announcement.Kind.EMERGENCY
        and preference.quiet_at(now)
    ):
        delivery.next_attempt_at = _next_quiet_end(preference, now)
        delivery.reason = "quiet hours"
        return True
    return False


def deliveries_drain(*, channel: str, limit: int | None = None) -> int:
    """Send one chunk of ready messages of ``channel``; the number of rows handled.

    The rows are locked (SKIP LOCKED, so workers share the queue). Web and e-mail rows are sent
    and their new status written in the same transaction, in one statement. SMS and Zalo go
    through providers that do not recognise a repeated request by our key, so their rows are
    first marked "sending", with the provider's request id, and committed; then sent
    concurrently from a few threads of this worker (``ANNOUNCEMENTS_SEND_THREADS``) within the
    channel's shared rate limit; then their outcome is written. A worker killed in the middle
    leaves its rows "sending": once their lease is over, the provider is asked about each
    (``Provider.recover``) before anything is sent again, and where it cannot be asked the row
    is marked unknown for staff to check, never sent twice.
    """
    limit = limit or setting("ANNOUNCEMENTS_CHUNK")
    if channel in GATEWAYS:
        return _provider_drain(channel, limit)
    web_delivered: list[Delivery] = []
    with transaction.atomic():
        now = timezone.now()
        # Lock the chunk first (the first ``limit`` entries of the ready index), then read its
        # rows with what they need: a join under the lock would sort every queued row.
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(channel=channel, status=Delivery.Status.QUEUED, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        rows = list(
            Delivery.objects.filter(pk__in=ids)
            .select_related("announcement", "resident__announcement_preference")
            .order_by("next_attempt_at", "pk")
        )
        for delivery in rows:
            now = timezone.now()
            if _held_back(delivery, channel, now):
                continue
            delivery.attempts += 1
            error: Exception | None = None
            try:
                _throttle(channel)
                if channel == Channel.WEB:
                    delivery.status = Delivery.Status.DELIVERED
                    delivery.delivered_at = now
                    web_delivered.append(delivery)
                else:
                    _send_email(delivery)
                    delivery.status = Delivery.Status.SENT
            except (PermanentError, TransientError) as exc:
                error = exc
            _outcome(delivery, error, now)
        _statuses_write(rows)
        if web_delivered:
            transaction.on_commit(lambda: _push_web(web_delivered))
    for announcement_id in {row.announcement_id for row in rows}:
        reach_notify(announcement_id=announcement_id)
    return len(rows)


def _template_fields(delivery: Delivery) -> dict[str, str]:
    """What a ZNS template may be filled with (``ZnsTemplate.SOURCES``)."""
    announcement = delivery.announcement
    event = (
        timezone.localtime(announcement.event_at).strftime("%H:%M %d/%m/%Y")
        if announcement.event_at
        else ""
    )
    with translation.override(settings.LANGUAGE_CODE):
        kind = str(announcement.get_kind_display())
    return {
        "title": announcement.title,
        "body": announcement.body,
        "kind": kind,
        "event_time": event,
        "event_place": announcement.event_place,
        "village": announcement.village.name,
        "resident_name": delivery.resident.full_name,
        "sent_date": timezone.localtime(announcement.sent_at or timezone.now()).strftime(
            "%d/%m/%Y"
        ),
        "code": announcement.public_code,
    }


def message_for(delivery: Delivery) -> Message:
    """The provider-neutral message of an outbox row (the benchmark's naive sender uses it too)."""
    return Message(
        key=delivery.idempotency_key,
        to=delivery.address,
        text=_sms_text(delivery.announcement),
        title=delivery.announcement.title,
        request_id=delivery.request_id,
        kind=delivery.announcement.kind,
        fields=_template_fields(delivery),
        resident_id=delivery.resident_id,
    )


def _locked_rows(channel: str, status: str, limit: int) -> list[Delivery]:
    ids = list(
        Delivery.objects.select_for_update(skip_locked=True)
        .filter(channel=channel, status=status, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return list(
        Delivery.objects.filter(pk__in=ids)
        .select_related("announcement__village", "resident__announcement_preference")
        .order_by("next_attempt_at", "pk")
    )


def _settle(delivery: Delivery, result: str | Exception, now: datetime) -> None:
    """A sent row's outcome: sent with the provider's id, back in the queue, failed, or left
    "sending" (the answer was lost) for the provider to be asked about."""
    if isinstance(result, str):
        delivery.status = Delivery.Status.SENT
        delivery.gateway_ref = result
        _outcome(delivery, None, now)
    elif isinstance(result, UncertainError):
        delivery.reason = str(result)[:255]
        delivery.next_attempt_at = _backoff(delivery, now)
    else:
        delivery.status = Delivery.Status.QUEUED
        _outcome(delivery, result, now)


def _provider_drain(channel: str, limit: int) -> int:
    provider = gateway_for(channel)
    handled = deliveries_recover(channel=channel, limit=limit, provider=provider)
    lease = timedelta(seconds=setting("ANNOUNCEMENTS_SEND_LEASE_SECONDS"))
    outgoing: list[Delivery] = []
    with transaction.atomic():
        rows = _locked_rows(channel, Delivery.Status.QUEUED, limit)
        for delivery in rows:
            now = timezone.now()
            if _held_back(delivery, channel, now):
                continue
            delivery.attempts += 1
            if not provider.configured:
                _outcome(delivery, PermanentError("channel not configured"), now)
                continue
            # Persisted before the call: the provider's request id, and that a call is made.
            delivery.request_id = delivery.request_id or f"vp-{delivery.pk}-{secrets.token_hex(4)}"
            delivery.first_tried_at = delivery.first_tried_at or now
            delivery.status = Delivery.Status.SENDING
            delivery.next_attempt_at = now + lease
            outgoing.append(delivery)
        _statuses_write(rows)
    if outgoing:
        results: list[str | Exception]
        try:
            provider.prepare()
        except (PermanentError, TransientError) as exc:
            results = [exc] * len(outgoing)
        else:
            messages = [message_for(delivery) for delivery in outgoing]
            provider.route(messages)
            provider.load(messages)
            results = _gateway_send_all(provider, channel, messages)
        try:
            provider.after_chunk([r for r in results if isinstance(r, Exception)])
        except (PermanentError, TransientError) as exc:
            logger.warning("%s: %s", channel, exc)
        with transaction.atomic():
            # Only rows still as this worker left them: a row whose lease ran out meanwhile
            # may have been taken over by the recovery.
            current = dict(
                Delivery.objects.select_for_update()
                .filter(pk__in=[d.pk for d in outgoing], status=Delivery.Status.SENDING)
                .values_list("pk", "attempts")
            )
            now = timezone.now()
            settled = []
            for delivery, result in zip(outgoing, results, strict=True):
                if current.get(delivery.pk) == delivery.attempts:
                    _settle(delivery, result, now)
                    settled.append(delivery)
            _statuses_write(settled)
    for announcement_id in {row.announcement_id for row in rows}:
        reach_notify(announcement_id=announcement_id)
    return handled + len(rows)


def deliveries_recover(
    *, channel: str, limit: int | None = None, provider: Provider | None = None
) -> int:
    """Settle the rows handed to a provider whose answer never came (the worker died, or the
    answer was lost): ask the provider what became of each (``Provider.recover``). Sent: the
    row is sent. Not sent: queued again. Nobody can tell: "unknown", listed for staff, never
    sent again automatically."""
    limit = limit or setting("ANNOUNCEMENTS_CHUNK")
    provider = provider or gateway_for(channel)
    with transaction.atomic():
        rows = _locked_rows(channel, Delivery.Status.SENDING, limit)
        for delivery in rows:
            now = timezone.now()
            if not provider.configured:  # nobody to ask
                delivery.status = Delivery.Status.UNKNOWN
                delivery.reason = "maybe sent: the provider is no longer configured"
                continue
            try:
                _throttle(channel)  # the recovery may send the message again, deduplicated
                recovery, ref = provider.recover(message_for(delivery), delivery.first_tried_at)
            except PermanentError as exc:
                delivery.status = Delivery.Status.FAILED
                delivery.reason = str(exc)[:255]
                continue
            except (TransientError, UncertainError) as exc:
                delivery.attempts += 1
                if delivery.attempts > setting("ANNOUNCEMENTS_MAX_ATTEMPTS"):
                    recovery, ref = Recovery.UNKNOWN, ""
                else:
                    delivery.reason = f"checking with the provider: {exc}"[:255]
                    delivery.next_attempt_at = _backoff(delivery, now)
                    continue
            if recovery is Recovery.SENT:
                delivery.status = Delivery.Status.SENT
                delivery.gateway_ref = ref
                delivery.sent_at = now
                delivery.reason = ""
            elif recovery is Recovery.NOT_SENT:
                delivery.status = Delivery.Status.QUEUED
                delivery.next_attempt_at = now
            else:
                delivery.status = Delivery.Status.UNKNOWN
                delivery.reason = "maybe sent: the provider cannot say; check before sending again"
        _statuses_write(rows)
    return len(rows)


def _unknown_settle(delivery: Delivery, *, sent: bool, now: datetime) -> None:
    if sent:
        delivery.status = Delivery.Status.SENT
        delivery.sent_at = delivery.sent_at or now
        delivery.reason = ""
    else:
        delivery.status = Delivery.Status.QUEUED
        delivery.next_attempt_at = now
        # A new request id: the provider must not take it for the earlier, lost one.
        delivery.request_id = ""
        delivery.first_tried_at = None
        delivery.reason = ""
    delivery.save(
        update_fields=[
            "status",
            "sent_at",
            "reason",
            "next_attempt_at",
            "request_id",
            "first_tried_at",
        ]
    )


@transaction.atomic
def delivery_unknown_resolve(*, delivery: Delivery, sent: bool, by: Any) -> Delivery:
    """Staff settle an unknown delivery: it did arrive (sent), or it did not (queued again)."""
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status != Delivery.Status.UNKNOWN:
        raise ValidationError(_("This message is no longer waiting for a check."))
    _unknown_settle(delivery, sent=sent, now=timezone.now())
    if not sent:
        from announcements import tasks

        transaction.on_commit(lambda: tasks.deliveries_dispatch([delivery.channel]))
    return delivery


@transaction.atomic
def deliveries_unknown_settle(
    *, deliveries: list[Delivery], sent: bool, by: Any
) -> tuple[int, int]:
    """Staff settle several unknown deliveries at once: (settled, no longer waiting).

    Each row is locked and checked again, so a second click (or a colleague's click on the same
    rows) finds them settled and does nothing: a message is queued again at most once.
    """
    rows = list(
        Delivery.objects.select_for_update()
        .filter(pk__in=[delivery.pk for delivery in deliveries])
        .order_by("pk")
    )
    now = timezone.now()
    settled = [row for row in rows if row.status == Delivery.Status.UNKNOWN]
    for row in settled:
        _unknown_settle(row, sent=sent, now=now)
    channels = sorted({row.channel for row in settled})
    if channels and not sent:
        from announcements import tasks

        transaction.on_commit(lambda: tasks.deliveries_dispatch(channels))
    for announcement_id in {row.announcement_id for row in settled}:
        transaction.on_commit(partial(reach_notify, announcement_id=announcement_id))
    return len(settled), len(rows) - len(settled)


def reach_notify(*, announcement_id: int, every_seconds: int = 5) -> bool:
    """Push the announcement's reach to the village dashboards, at most every few seconds."""
    from households.live import village_live_notify

    if not cache.add(f"announcements:reach:{announcement_id}", 1, timeout=every_seconds):
        return False
    announcement = Announcement.objects.select_related("village").get(pk=announcement_id)
    counts = Delivery.objects.filter(announcement_id=announcement_id).aggregate(
        total=Count("pk"),
        queued=Count("pk", filter=Q(status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING])),
        failed=Count("pk", filter=Q(status=Delivery.Status.FAILED)),
        unknown=Count("pk", filter=Q(status=Delivery.Status.UNKNOWN)),
    )
    done = counts["total"] - counts["queued"] - counts["failed"] - counts["unknown"]
    village_live_notify(
        village=announcement.village,
        kind="announcement_reach",
        message=_("%(title)s: %(done)s of %(total)s messages sent")
        % {"title": announcement.title, "done": done, "total": counts["total"]},
        announcement=announcement_id,
        sent=done,
        **counts,
    )
    return True


def _sms_text(announcement: Announcement) -> str:
    text = f"{announcement.title}: {announcement.body}"
    if announcement.event_at:
        when = timezone.localtime(announcement.event_at).strftime("%H:%M %d/%m/%Y")
        text += f" ({when}{', ' + announcement.event_place if announcement.event_place else ''})"
    return text[:612]


def deliveries_next_due(channel: str) -> datetime | None:
    return (
        Delivery.objects.filter(
            channel=channel, status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING]
        )
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )


# Receipts, reading, answers ----------------------------------------------------------------------


def delivery_receipt(*, channel: str, payload: Any) -> Delivery:
    """A gateway's delivery callback: ``{"reference": key, "status": "delivered"|"failed"}``."""
    if not isinstance(payload, dict):
        raise ValidationError("payload is not an object")
    reference = str(payload.get("reference", ""))
    status = payload.get("status")
    prefix = "vp-ann-"
    if not reference.startswith(prefix) or not reference[len(prefix) :].isdigit():
        raise ValidationError("unknown reference")
    if status not in ("delivered", "failed"):
        raise ValidationError("unknown status")
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .filter(pk=int(reference[len(prefix) :]), channel=channel)
            .first()
        )
        if delivery is None:
            raise ValidationError("unknown reference")
        if delivery.status in (Delivery.Status.SENT, Delivery.Status.QUEUED):
            if status == "delivered":
                delivery.status = Delivery.Status.DELIVERED
                delivery.delivered_at = timezone.now()
            else:
                delivery.status = Delivery.Status.FAILED
                delivery.reason = str(payload.get("reason") or "failed at the gateway")[:255]
            delivery.save(update_fields=["status", "delivered_at", "reason"])
    return delivery


def _moment(value: Any, default: datetime) -> datetime:
    """A Zalo time in milliseconds (a string), or ``default`` when it is not one."""
    text = str(value or "")
    if not (text.isascii() and text.isdigit() and len(text) <= 15):
        return default
    return datetime.fromtimestamp(int(text) / 1000, tz=UTC)


def zalo_receipt(payload: dict[str, Any]) -> str:
    """Zalo says a message reached the person (``user_received_message``) or was seen
    (``user_seen_message``): the row becomes delivered or read.

    The row is found by our tracking id (ZNS), else by Zalo's message id. A row still
    "sending" or marked "unknown" did arrive: it is settled as sent and delivered and is never
    sent again. A receipt seen before, or one for a row already further on, changes nothing;
    one for no row of ours is only logged (without the person's id).
    """
    message = payload.get("message")
    if not isinstance(message, dict):
        return "malformed"
    seen = payload.get("event_name") == "user_seen_message"
    tracking_id = str(message.get("tracking_id") or "")[:48]
    if seen:
        ids = message.get("msg_ids")
        msg_ids = [str(i)[:100] for i in ids if i] if isinstance(ids, list) else []
    else:
        msg_ids = [str(message["msg_id"])[:100]] if message.get("msg_id") else []
    if not tracking_id and not msg_ids:
        return "malformed"
    from announcements import zalo

    refs = msg_ids[:50] + [zalo.OA_PREFIX + m for m in msg_ids[:50]]  # OA messages: "oa:<id>"
    lookup = Q(request_id=tracking_id) if tracking_id else Q(gateway_ref__in=refs)
    now = timezone.now()
    at = _moment(message.get("delivery_time") or payload.get("timestamp"), now)
    waiting = (
        Delivery.Status.SENDING,
        Delivery.Status.UNKNOWN,
        Delivery.Status.SENT,
        Delivery.Status.QUEUED,
        Delivery.Status.FAILED,
    )
    changed = []
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update()
            .filter(lookup, channel=Channel.ZALO)
            .exclude(request_id="")
            .order_by("pk")
        )
        for delivery in rows:
            if delivery.status in waiting:
                delivery.sent_at = delivery.sent_at or at
                delivery.delivered_at = at
                delivery.status = Delivery.Status.DELIVERED
                delivery.reason = ""
                if not delivery.gateway_ref and msg_ids:
                    delivery.gateway_ref = msg_ids[0]
            elif not (seen and delivery.status == Delivery.Status.DELIVERED):
                continue
            if seen:
                delivery.status = Delivery.Status.READ
                delivery.read_at = at
            delivery.save(
                update_fields=[
                    "status",
                    "sent_at",
                    "delivered_at",
                    "read_at",
                    "reason",
                    "gateway_ref",
                ]
            )
            changed.append(delivery)
    if not rows:
        logger.info("Zalo receipt %s for no message of ours", payload.get("event_name"))
        return "unknown"
    for announcement_id in {row.announcement_id for row in changed}:
        reach_notify(announcement_id=announcement_id)
    if not changed:
        return "duplicate"
    return "read" if seen else "delivered"


def esms_callback(*, signature: str, params: Any) -> Delivery:
    """eSMS's delivery report (HTTP GET on the CallbackUrl given with the message).

    The URL's signature must be the HMAC of the report's RequestId (``esms.callback_signature``),
    and the RequestId a row's own. ``SendStatus`` 5 proves delivery, 4 a rejection; any report
    proves eSMS took the message, which settles a row left sending or unknown. A report
    replayed, or arriving after a final status, changes nothing.
    """
    import hmac

    from announcements import esms

    request_id = str(params.get("RequestId", ""))[:60]
    if not hmac.compare_digest(esms.callback_signature(request_id), str(signature)):
        raise PermissionDenied("bad signature")
    pk = esms.request_id_delivery_pk(request_id)
    if pk is None:
        raise ValidationError("unknown RequestId")
    send_status = str(params.get("SendStatus", ""))
    sms_id = str(params.get("SMSID", ""))[:100]
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .filter(pk=pk, channel=Channel.SMS, request_id=request_id)
            .first()
        )
        if delivery is None:
            raise ValidationError("unknown RequestId")
        open_statuses = (Delivery.Status.SENDING, Delivery.Status.UNKNOWN, Delivery.Status.SENT)
        if delivery.status not in open_statuses:
            return delivery
        now = timezone.now()
        if delivery.status != Delivery.Status.SENT:
            delivery.sent_at = delivery.sent_at or now
            delivery.status = Delivery.Status.SENT
            delivery.reason = ""
        if sms_id and delivery.gateway_ref in ("", request_id):
            delivery.gateway_ref = sms_id
        if send_status in esms.CALLBACK_DELIVERED:
            delivery.status = Delivery.Status.DELIVERED
            delivery.delivered_at = now
        elif send_status in esms.CALLBACK_FAILED:
            delivery.status = Delivery.Status.FAILED
            delivery.reason = "rejected by eSMS (SendStatus 4)"
        delivery.save(update_fields=["status", "sent_at", "delivered_at", "reason", "gateway_ref"])
    return delivery


def announcement_read(*, announcement: Announcement, resident: Resident) -> int:
    """The resident opened it: their delivered web message counts as read."""
    return Delivery.objects.filter(
        announcement=announcement,
        resident=resident,
        channel=Channel.WEB,
        status__in=[Delivery.Status.DELIVERED, Delivery.Status.SENT],
    ).update(status=Delivery.Status.READ, read_at=timezone.now())


def sighting_record(*, announcement: Announcement, resident: Resident | None, via: str) -> bool:
    """A signed-in resident of the village saw a sent announcement (page, feed or live push).

    Counted once per way; only for the announcement's own village, so a visitor from elsewhere
    does not raise its reach. True if this was the first time.
    """
    if (
        resident is None
        or via not in Sighting.Via.values
        or announcement.status != Announcement.Status.SENT
        or resident.household.village_id != announcement.village_id
        or resident.left_on is not None
    ):
        return False
    _sighting, created = Sighting.objects.get_or_create(
        announcement=announcement,
        resident=resident,
        via=via,
        defaults={"household_id": resident.household_id},
    )
    return created


def announcement_received(*, user: Any, code: str) -> bool:
    """The resident's open page received the live push of an announcement (its code)."""
    resident = getattr(user, "resident", None)
    announcement = Announcement.objects.filter(public_code=str(code)[:16]).first()
    if announcement is None or resident is None:
        return False
    if not Delivery.objects.filter(
        announcement=announcement, resident=resident, channel=Channel.WEB
    ).exists():
        return False
    return sighting_record(announcement=announcement, resident=resident, via=Sighting.Via.PUSH)


def acknowledgement_record(
    *, announcement: Announcement, resident: Resident, answer: str
) -> Acknowledgement:
    if not announcement.ask_acknowledgement:
        raise ValidationError(_("This announcement does not ask for an answer."))
    if answer not in Acknowledgement.Answer.values:
        raise ValidationError(_("Choose an answer."))
    if not Delivery.objects.filter(announcement=announcement, resident=resident).exists():
        raise ValidationError(_("This announcement was not addressed to you."))
    try:
        with transaction.atomic():
            ack, _created = Acknowledgement.objects.update_or_create(
                announcement=announcement,
                resident=resident,
                defaults={"answer": answer, "answered_at": timezone.now()},
            )
    except IntegrityError as exc:  # a double click racing itself
        raise ValidationError(_("Your answer was already recorded.")) from exc
    return ack


@transaction.atomic
def preference_save(*, resident: Resident, **values: Any) -> Preference:
    preference, _created = Preference.objects.update_or_create(resident=resident, defaults=values)
    return preference


# Web Push subscriptions and receipts ---------------------------------------------------------


@transaction.atomic
def push_subscription_save(*, user: Any, data: Any, user_agent: str = "") -> PushSubscription:
    """Keep a device's subscription (``PushSubscription.toJSON()``) for the signed-in person.

    Refused with a message, storing nothing, unless it is well formed
    (``webpush.subscription_clean``). An endpoint already known moves to this person: a phone
    shared in a family belongs to whoever switched it on last.
    """
    from announcements.webpush import device_label, subscription_clean

    clean = subscription_clean(data)
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=clean["endpoint"],
        defaults={
            "user": user,
            "p256dh": clean["p256dh"],
            "auth": clean["auth"],
            "user_agent": device_label(user_agent),
        },
    )
    return subscription


@transaction.atomic
def push_subscription_renew(*, old_endpoint: Any, data: Any) -> PushSubscription | None:
    """The push service replaced a device's subscription: the new one takes the old one's
    place (same person, same device). None when the old endpoint is not known."""
    from announcements.webpush import subscription_clean

    if not isinstance(old_endpoint, str) or not old_endpoint:
        return None
    old = PushSubscription.objects.select_for_update().filter(endpoint=old_endpoint).first()
    if old is None:
        return None
    clean = subscription_clean(data)
    PushSubscription.objects.filter(endpoint=clean["endpoint"]).exclude(pk=old.pk).delete()
    old.endpoint, old.p256dh, old.auth = clean["endpoint"], clean["p256dh"], clean["auth"]
    old.save(update_fields=["endpoint", "p256dh", "auth"])
    return old


@transaction.atomic
def push_subscription_delete(*, user: Any, endpoint: Any) -> int:
    """Forget a device: only one of the person's own; another's endpoint deletes nothing."""
    if not isinstance(endpoint, str) or not endpoint:
        raise ValidationError(_("Say which device to switch off."))
    deleted, _rows = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return deleted


def push_receipt(*, token: Any, event: Any) -> Delivery | None:
    """The phone showed the notification ("shown": delivered) or the person tapped it
    ("clicked": read). The token (``webpush.receipt_token``) names the one delivery; a receipt
    for a row already further along changes nothing. None for a token that is not ours."""
    from announcements.webpush import receipt_delivery_pk

    pk = receipt_delivery_pk(token)
    if pk is None or event not in ("shown", "clicked"):
        return None
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=pk, channel=Channel.PUSH).first()
        if delivery is None:
            return None
        now = timezone.now()
        earlier = [Delivery.Status.SENDING, Delivery.Status.UNKNOWN, Delivery.Status.SENT]
        if delivery.status in earlier:
            delivery.status = Delivery.Status.DELIVERED
            delivery.sent_at = delivery.sent_at or now
            delivery.delivered_at = now
            delivery.reason = ""
        if event == "clicked" and delivery.status == Delivery.Status.DELIVERED:
            delivery.status = Delivery.Status.READ
            delivery.read_at = now
        delivery.save(update_fields=["status", "sent_at", "delivered_at", "read_at", "reason"])
    return delivery


@transaction.atomic
def group_save(
    *, village: Any, name: str, kind: str, members: Iterable[Resident], group: Group | None = None
) -> Group:
    group = group or Group(village=village)
    group.name = name.strip()
    group.kind = kind
    if Group.objects.filter(village=village, name=group.name).exclude(pk=group.pk).exists():
        raise ValidationError(_("A group with this name already exists."))
    group.save()
    if kind in Group.COMPUTED:
        group.members.clear()
    else:
        group.members.set([m for m in members if m.household.village_id == village.pk])
    return group


@transaction.atomic
def group_delete(*, group: Group) -> None:
    """Remove a group no announcement was addressed to; one in use is kept for the record."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    if group.announcements.exists():
        raise ValidationError(
            _("Announcements were addressed to this group, so it is kept for the record.")
        )
    group.delete()


# A second tap on the share button within this many seconds is the same share.
SHARE_REPEAT_SECONDS = 10


def announcement_shareable(announcement: Announcement) -> bool:
    """Only a sent public announcement has a public page that a shared link can open."""
    return announcement.is_public and announcement.status == Announcement.Status.SENT


@transaction.atomic
def share_record(*, announcement: Announcement, user: Any, via: str) -> bool:
    """Count a share of the announcement's public link by ``user`` (share sheet or copy).

    A repeat by the same person within ``SHARE_REPEAT_SECONDS`` (a double tap, a page sending
    twice) is not counted again; the announcement's row is locked so two such requests at the
    same moment cannot both count. True if counted.
    """
    if via not in Share.Via.values:
        raise ValidationError({"via": _("Unknown way of sharing.")})
    locked = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if not announcement_shareable(locked):
        raise ValidationError(_("Only a sent public announcement can be shared."))
    now = timezone.now()
    recent = Share.objects.filter(
        announcement=locked,
        user=user,
        shared_at__gt=now - timedelta(seconds=SHARE_REPEAT_SECONDS),
    )
    if recent.exists():
        return False
    Share.objects.create(announcement=locked, user=user, via=via, shared_at=now)
    return True


def share_landing_record(*, announcement: Announcement) -> None:
    """Someone opened the public page through a shared link (the caller counts each browser
    session once). Nothing about the visitor is stored."""
    if announcement_shareable(announcement):
        ShareLanding.objects.create(announcement=announcement)
