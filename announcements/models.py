"""Announcements, their audiences, and the outbox: one delivery row per (announcement,
recipient, channel), written in the same transaction as the send and drained by workers."""

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from households.models import Household, Lane, Resident, Village, VillageOwnedQuerySet
from villageportal.authored import Authored


def _public_code() -> str:
    return secrets.token_urlsafe(8)


class Channel(models.TextChoices):
    WEB = "web", _("Web feed")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    ZALO = "zalo", _("Zalo")
    # Web Push to the phones where the resident switched it on (announcements/webpush.py);
    # not "push", which the reach page already uses for the live push to an open page.
    PUSH = "webpush", _("Push notification")


# The order channels are offered and listed in; each is also a field of ``Preference``.
CHANNEL_ORDER = [Channel.WEB, Channel.PUSH, Channel.EMAIL, Channel.SMS, Channel.ZALO]


class Group(models.Model):
    """A group of residents an announcement can be addressed to.

    Business households and the community digital team are computed from the registry and
    the memberships; the other kinds hold their members as rows.
    """

    class Kind(models.TextChoices):
        PARTY_CELL = "party_cell", _("Party cell")
        FRONT_COMMITTEE = "front_committee", _("Fatherland Front committee")
        WOMENS_UNION = "womens_union", _("Women's union")
        YOUTH_UNION = "youth_union", _("Youth union")
        ELDERLY = "elderly", _("Elderly association")
        BUSINESS = "business", _("Business households")
        DIGITAL_TEAM = "digital_team", _("Community digital team")
        CUSTOM = "custom", _("Custom list")

    COMPUTED = frozenset({Kind.BUSINESS, Kind.DIGITAL_TEAM})

    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        related_name="announcement_groups",
        verbose_name=_("village"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120)
    members = models.ManyToManyField(
        Resident, blank=True, related_name="announcement_groups", verbose_name=_("members")
    )

    objects = VillageOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["village", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "name"], name="announcements_group_unique_name_in_village"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Announcement(Authored):
    class Kind(models.TextChoices):
        GENERAL = "general", _("General notice")
        MEETING = "meeting", _("Meeting invitation")
        AGRICULTURE = "agriculture", _("Agricultural schedule")
        HEALTH = "health", _("Health")
        SECURITY = "security", _("Security warning")
        EMERGENCY = "emergency", _("Emergency alert")

    class Audience(models.TextChoices):
        VILLAGE = "village", _("The whole village")
        LANES = "lanes", _("Chosen lanes")
        GROUPS = "groups", _("Groups")
        HOUSEHOLD = "household", _("One household")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_APPROVAL = "pending_approval", _("Waiting for approval")
        SCHEDULED = "scheduled", _("Scheduled")
        SENT = "sent", pgettext_lazy("status", "Sent")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # Common Alerting Protocol values (CAP 1.2, the ones that matter here).
    class Urgency(models.TextChoices):
        IMMEDIATE = "Immediate", _("Immediate")
        EXPECTED = "Expected", _("Expected")
        FUTURE = "Future", _("Future")

    class Severity(models.TextChoices):
        EXTREME = "Extreme", _("Extreme")
        SEVERE = "Severe", _("Severe")
        MODERATE = "Moderate", _("Moderate")
        MINOR = "Minor", _("Minor")

    class RiskLevel(models.IntegerChoices):
        """Cấp độ rủi ro thiên tai, Quyết định 18/2021/QĐ-TTg, Điều 4 (with its map colour)."""

        LEVEL_1 = 1, _("Level 1: low risk (light blue)")
        LEVEL_2 = 2, _("Level 2: medium risk (light yellow)")
        LEVEL_3 = 3, _("Level 3: high risk (orange)")
        LEVEL_4 = 4, _("Level 4: very high risk (red)")
        LEVEL_5 = 5, _("Level 5: disaster (purple)")

    # The disaster-risk level as a CAP severity, by the level's colour as European warning
    # services map theirs (yellow Moderate, orange Severe, red Extreme); docs/cap.md says why.
    RISK_SEVERITY = {
        RiskLevel.LEVEL_1: Severity.MINOR,
        RiskLevel.LEVEL_2: Severity.MODERATE,
        RiskLevel.LEVEL_3: Severity.SEVERE,
        RiskLevel.LEVEL_4: Severity.EXTREME,
        RiskLevel.LEVEL_5: Severity.EXTREME,
    }

    # Urgent kinds: also published as CAP 1.2 alerts (announcements/cap.py), with an expiry.
    CAP_KINDS = frozenset({Kind.EMERGENCY, Kind.SECURITY})

    # Kinds shown on the public page and in the Atom feed.
    PUBLIC_KINDS = frozenset(
        {Kind.GENERAL, Kind.MEETING, Kind.AGRICULTURE, Kind.HEALTH, Kind.SECURITY, Kind.EMERGENCY}
    )

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="announcements", verbose_name=_("village")
    )
    public_code = models.CharField(max_length=16, unique=True, default=_public_code, editable=False)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    # Optional English text, for the CAP alert's second <info> and the English public page.
    title_en = models.CharField(_("title in English"), max_length=200, blank=True)
    body_en = models.TextField(_("text in English"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.GENERAL)
    is_public = models.BooleanField(
        _("show on the public page"),
        default=True,
        help_text=_("Announcements to one household or a group are never public."),
    )
    attachment = models.FileField(_("attachment"), upload_to="announcements/", blank=True)
    event_at = models.DateTimeField(_("event time"), null=True, blank=True)
    event_place = models.CharField(_("event place"), max_length=200, blank=True)
    ask_acknowledgement = models.BooleanField(_("ask for an answer (attend or not)"), default=False)
    cap_urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, blank=True)
    cap_severity = models.CharField(
        _("severity"), max_length=16, choices=Severity.choices, blank=True
    )
    risk_level = models.PositiveSmallIntegerField(
        _("disaster risk level"),
        choices=RiskLevel.choices,
        null=True,
        blank=True,
        help_text=_("Decision 18/2021/QĐ-TTg; it sets the severity."),
    )
    cap_area = models.CharField(_("area"), max_length=200, blank=True)
    cap_expires = models.DateTimeField(_("expires"), null=True, blank=True)

    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default=Audience.VILLAGE
    )
    lanes = models.ManyToManyField(Lane, blank=True, related_name="+", verbose_name=_("lanes"))
    groups = models.ManyToManyField(
        Group, blank=True, related_name="announcements", verbose_name=_("groups")
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("household"),
    )
    channels = models.JSONField(_("channels"), default=list)
    loudspeakers = models.BooleanField(_("read on the loudspeakers"), default=False)

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    send_at = models.DateTimeField(_("send at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    reminder_of = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("reminder of"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    recipients_count = models.PositiveIntegerField(_("recipients"), default=0)

    objects = VillageOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(audience="household") | Q(household__isnull=False),
                name="announcements_household_audience_names_household",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="announcements_sent_has_time",
            ),
            models.CheckConstraint(
                condition=Q(risk_level__isnull=True) | Q(risk_level__gte=1, risk_level__lte=5),
                name="announcements_risk_level_1_to_5",
            ),
        ]
        indexes = [models.Index(fields=["village", "status", "sent_at"], name="ann_village_sent")]

    def __str__(self) -> str:
        return self.title

    def channel_labels(self) -> list[str]:
        """The chosen channels by their names, in the order they are offered."""
        return [str(c.label) for c in CHANNEL_ORDER if c in (self.channels or [])]


class DeliveryQuerySet(VillageOwnedQuerySet):
    village_lookup = "announcement__village"


class Delivery(models.Model):
    """One message to one resident on one channel: the outbox row and its receipt."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        # Handed to a provider's sending thread; the row was committed so before the call, so
        # a crash leaves it here for the provider to be asked about (``recover``).
        SENDING = "sending", _("Sending")
        SENT = "sent", pgettext_lazy("status", "Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        READ = "read", _("Read")
        # Maybe sent, and the provider cannot be asked: never resent automatically; staff see it.
        UNKNOWN = "unknown", _("Unknown: maybe sent")

    # No index of its own: the unique constraint below starts with it. Each index costs
    # time on the million-row write of a province-wide alert.
    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    # Denormalised at write time: reach by lane and household without joining the registry.
    household_id = models.BigIntegerField(null=True)
    lane_id = models.BigIntegerField(null=True)
    address = models.CharField(max_length=254, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    reason = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    gateway_ref = models.CharField(max_length=100, blank=True)
    # The provider's request or tracking id (eSMS RequestId, Zalo tracking_id), written before
    # the first call and kept for the row's life; and when that first call was made.
    request_id = models.CharField(max_length=48, blank=True)
    first_tried_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "resident", "channel"],
                name="announcements_one_delivery_per_recipient_and_channel",
            ),
        ]
        indexes = [
            # The drain's order (next try, then id) straight from the index: a chunk is the
            # first rows of the scan, not a sort of every queued row.
            models.Index(
                fields=["channel", "next_attempt_at", "id"],
                condition=Q(status="queued"),
                name="ann_delivery_ready_order",
            ),
            # The rows handed to a provider and not yet answered for: few, checked every drain.
            models.Index(
                fields=["channel", "next_attempt_at"],
                condition=Q(status="sending"),
                name="ann_delivery_in_flight",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.announcement_id}/{self.resident_id}/{self.channel}"

    @property
    def idempotency_key(self) -> str:
        """Stable for the row's whole life, so a re-sent message is recognised as the same."""
        return f"vp-ann-{self.pk}"


class UnknownDeliveryManager(models.Manager["UnknownDelivery"]):
    def get_queryset(self) -> models.QuerySet["UnknownDelivery"]:
        return super().get_queryset().filter(status=Delivery.Status.UNKNOWN)


class UnknownDelivery(Delivery):
    """The deliveries marked unknown, as staff see them (the admin's list of messages to check)."""

    objects = UnknownDeliveryManager()  # type: ignore[assignment,misc]

    class Meta:
        proxy = True
        verbose_name = _("message to check (maybe sent)")
        verbose_name_plural = _("messages to check (maybe sent)")


class ZaloToken(models.Model):
    """The Zalo Official Account's tokens: the access token and the refresh token, both encrypted
    (``announcements.crypto``). Zalo rotates the refresh token on every refresh and the old one
    stops working, so the refresh runs under this row's lock and the new pair is saved in the
    same transaction; concurrent workers wait for it and use the new access token."""

    app_id = models.CharField(max_length=64, unique=True)
    access_token = models.TextField(blank=True, editable=False)
    refresh_token = models.TextField(blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("Zalo OA token")
        verbose_name_plural = _("Zalo OA tokens")

    def __str__(self) -> str:
        return self.app_id


class ZnsTemplate(models.Model):
    """A ZNS template approved in the Zalo portal, and which announcement fields fill it.

    ``params`` is a list of ``{"name": <template parameter>, "source": <one of SOURCES>,
    "max_length": <int>}``. The template with the announcement's kind is used, else the one
    with no kind.
    """

    SOURCES = {
        "title": _("title"),
        "body": _("text"),
        "kind": _("kind"),
        "event_time": _("event time"),
        "event_place": _("event place"),
        "village": _("village"),
        "resident_name": _("resident's name"),
        "sent_date": _("date sent"),
        "code": _("announcement code"),
    }

    template_id = models.CharField(_("ZNS template id"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(
        _("for announcements of kind"),
        max_length=16,
        choices=Announcement.Kind.choices,
        blank=True,
        help_text=_("Empty: for every kind without a template of its own."),
    )
    params = models.JSONField(_("parameters"), default=list)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("ZNS template")
        verbose_name_plural = _("ZNS templates")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(active=True),
                name="announcements_one_active_zns_template_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.template_id})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if not isinstance(self.params, list) or not self.params:
            raise ValidationError({"params": _("List the template's parameters.")})
        names = set()
        for param in self.params:
            if (
                not isinstance(param, dict)
                or not str(param.get("name", "")).strip()
                or param.get("source") not in self.SOURCES
            ):
                raise ValidationError(
                    {"params": _("Each parameter needs a name and a known announcement field.")}
                )
            max_length = param.get("max_length", 100)
            if not isinstance(max_length, int) or not 1 <= max_length <= 1000:
                raise ValidationError(
                    {"params": _("A parameter's length must be between 1 and 1000.")}
                )
            if param["name"] in names:
                raise ValidationError({"params": _("Parameter names must be different.")})
            names.add(param["name"])

    def data(self, fields: dict[str, str]) -> dict[str, str]:
        """The ``template_data`` for one message, each value cut to its parameter's length."""
        return {
            p["name"]: str(fields.get(p["source"], ""))[: int(p.get("max_length", 100))]
            for p in self.params
        }


class Acknowledgement(models.Model):
    """A resident's answer to a meeting invitation."""

    class Answer(models.TextChoices):
        ATTEND = "attend", _("I will attend")
        DECLINE = "decline", _("I cannot attend")

    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")
    answer = models.CharField(max_length=8, choices=Answer.choices)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "resident"], name="announcements_one_answer_per_resident"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id}: {self.answer}"


class Preference(models.Model):
    """A resident's channels and quiet hours (no SMS, Zalo or push notification then, except
    emergency alerts: those wait until the quiet hours end)."""

    resident = models.OneToOneField(
        Resident, on_delete=models.CASCADE, related_name="announcement_preference"
    )
    web = models.BooleanField(_("web feed"), default=True)
    webpush = models.BooleanField(_("push notifications"), default=True)
    email = models.BooleanField(_("e-mail"), default=True)
    sms = models.BooleanField(_("SMS"), default=True)
    zalo = models.BooleanField(_("Zalo"), default=True)
    quiet_from = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_until = models.TimeField(_("quiet until"), null=True, blank=True)

    class Meta:
        verbose_name = _("preference")
        verbose_name_plural = _("preferences")

    def __str__(self) -> str:
        return str(self.resident_id)

    def quiet_at(self, moment: object) -> bool:
        if self.quiet_from is None or self.quiet_until is None:
            return False
        now = timezone.localtime(moment).time()  # type: ignore[arg-type]
        if self.quiet_from <= self.quiet_until:
            return self.quiet_from <= now < self.quiet_until
        return now >= self.quiet_from or now < self.quiet_until


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class SpeakerCluster(models.Model):
    """A group of smart loudspeakers covering some lanes, fetching its playlist over HTTP."""

    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        related_name="speaker_clusters",
        verbose_name=_("village"),
    )
    name = models.CharField(_("name"), max_length=120)
    lanes = models.ManyToManyField(Lane, blank=True, related_name="+", verbose_name=_("lanes"))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    last_heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)

    objects = VillageOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("loudspeaker cluster")
        verbose_name_plural = _("loudspeaker clusters")
        ordering = ["village", "name"]

    def __str__(self) -> str:
        return self.name

    def is_silent(self, now: object = None) -> bool:
        limit = settings.ANNOUNCEMENTS_SPEAKER_SILENT_MINUTES
        now = now or timezone.now()
        return (
            self.last_heartbeat_at is None
            or (
                now - self.last_heartbeat_at  # type: ignore[operator]
            ).total_seconds()
            > limit * 60
        )


class SpeakerItem(models.Model):
    """An announcement scheduled on a cluster, with its synthesised audio."""

    cluster = models.ForeignKey(SpeakerCluster, on_delete=models.CASCADE, related_name="items")
    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="+")
    audio = models.FileField(upload_to="announcements/audio/", blank=True)
    play_at = models.DateTimeField(default=timezone.now)
    played_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "announcement"], name="announcements_one_item_per_cluster"
            ),
        ]
        ordering = ["play_at", "pk"]

    def __str__(self) -> str:
        return f"{self.cluster_id}/{self.announcement_id}"


class Sighting(models.Model):
    """A resident saw the announcement where no delivery row records it: on its web page, in
    their feed, or as a live push their open page received. One row per way, the first time."""

    class Via(models.TextChoices):
        PAGE = "page", _("web page")
        FEED = "feed", _("own feed")
        PUSH = "push", _("live push")

    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="sightings", db_index=False
    )
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")
    household_id = models.BigIntegerField(null=True)
    via = models.CharField(max_length=8, choices=Via.choices)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "resident", "via"],
                name="announcements_one_sighting_per_resident_and_way",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.announcement_id}/{self.resident_id}/{self.via}"


class PushSubscription(models.Model):
    """One browser on one device where a signed-in person switched push notifications on.

    The endpoint and keys come from the browser's ``PushSubscription`` (W3C Push API): the
    push service's URL for this device, its P-256 public key (``p256dh``) and the 16-byte
    authentication secret (``auth``) that the payload is encrypted with (RFC 8291). A person may
    have several devices; a push service's 404 or 410 deletes the row (RFC 8030, section 7.3).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=40)
    user_agent = models.CharField(_("device"), max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.user_agent or '?'}"

    def info(self) -> dict[str, Any]:
        """The subscription as the browser gave it, as pywebpush takes it."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class Share(models.Model):
    """A staff member shared the announcement's public link to a Zalo group from the page: the
    phone's share sheet completed, or the text and link were copied to paste by hand."""

    class Via(models.TextChoices):
        SHEET = "sheet", _("share sheet")
        COPY = "copy", _("copied")

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    via = models.CharField(max_length=8, choices=Via.choices)
    shared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["announcement", "user", "shared_at"], name="ann_share_recent")
        ]

    def __str__(self) -> str:
        return f"{self.announcement_id}/{self.via}"


class ShareLanding(models.Model):
    """A browser opened the public page through a shared link, counted once per browser
    session. Nothing about the visitor is kept: the row is the count."""

    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="share_landings"
    )
    landed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.announcement_id}/{self.landed_at:%Y-%m-%d}"
