"""Residents' reports (phản ánh): categories, reports, photos, their history and the API keys."""

import hashlib
import secrets
import uuid
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.models import Lane, Resident, Village, VillageOwnedQuerySet
from villageportal.authored import Authored

# Letters and digits that cannot be mistaken for one another when read over the phone.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_tracking_code() -> str:
    return "PA-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def new_public_code() -> str:
    return secrets.token_urlsafe(6)


def contact_hash(value: str) -> str:
    """A stable digest of a phone number, e-mail or IP address, for limits and blocks."""
    return hashlib.sha256(("feedback:" + value.strip().lower()).encode()).hexdigest()


class Category(models.Model):
    """A kind of problem a village accepts reports about, with its own deadlines."""

    village = models.ForeignKey(
        Village, on_delete=models.CASCADE, related_name="feedback_categories"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=255, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    # Reports about security and the like can put people at risk: they stay private until a
    # staff member has read them and publishes them.
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("Reports stay private until a staff member publishes them."),
    )
    ack_hours = models.PositiveSmallIntegerField(_("acknowledge within (working hours)"), default=8)
    resolve_hours = models.PositiveSmallIntegerField(
        _("handle within (hours)"),
        null=True,
        blank=True,
        help_text=_("Clock hours for urgent categories, working hours otherwise; empty: none."),
    )
    # Extra questions, in the order the form asks them:
    # [{"key": "meter", "label": "Meter number", "required": false, "retired": false}]
    # A question that reports have answered is retired rather than removed, and rewording it
    # retires it and adds a new one, so that every answer keeps the question it answered.
    questions = models.JSONField(_("extra questions"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = VillageOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("feedback category")
        verbose_name_plural = _("feedback categories")
        ordering = ["village", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "code"], name="feedback_category_unique_code"
            ),
            models.CheckConstraint(
                condition=Q(ack_hours__gte=1), name="feedback_category_ack_hours_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def live_questions(self) -> list[dict[str, Any]]:
        """The questions the report form asks today."""
        return [q for q in self.questions or [] if not q.get("retired")]

    def question(self, key: str) -> dict[str, Any] | None:
        return next((q for q in self.questions or [] if q.get("key") == key), None)


class Status(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed without fix")
    FORWARDED = "forwarded", _("Forwarded to another body")
    DUPLICATE = "duplicate", _("Duplicate")


OPEN_STATUSES = frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS})
FIXED_STATUSES = frozenset({Status.RESOLVED})
CLOSED_STATUSES = frozenset({Status.CLOSED, Status.FORWARDED, Status.DUPLICATE})
DONE_STATUSES = FIXED_STATUSES | CLOSED_STATUSES

# The state machine: which status may follow which, by staff action.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset(set(Status) - {Status.NEW}),
    Status.ACKNOWLEDGED: frozenset(set(Status) - {Status.NEW, Status.ACKNOWLEDGED}),
    Status.IN_PROGRESS: frozenset(DONE_STATUSES),
    Status.RESOLVED: frozenset(),
    Status.CLOSED: frozenset(),
    Status.FORWARDED: frozenset(),
    Status.DUPLICATE: frozenset(),
}


def status_kind(status: str) -> str:
    """Open, fixed or closed: the three types every status belongs to."""
    if status in OPEN_STATUSES:
        return "open"
    if status in FIXED_STATUSES:
        return "fixed"
    return "closed"


# Four decimals of a degree: about 11 m of latitude. Public pages, maps and Open311 show
# positions this coarse; staff see them as sent.
PUBLIC_COORDINATE = Decimal("0.0001")


def public_coordinate(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value).quantize(PUBLIC_COORDINATE, rounding=ROUND_HALF_EVEN)


class ReportQuerySet(VillageOwnedQuerySet):
    def open(self) -> "ReportQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def public(self) -> "ReportQuerySet":
        """What everyone may see: not hidden (sensitive reports start hidden), no duplicate."""
        return self.filter(hidden=False, duplicate_of__isnull=True)

    def overdue(self, now: Any = None) -> "ReportQuerySet":
        now = now or timezone.now()
        return self.filter(
            Q(status=Status.NEW, ack_due__lt=now) | Q(status__in=OPEN_STATUSES, resolve_due__lt=now)
        )


class Report(models.Model):
    """One resident's report of a problem in the village."""

    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="feedback_reports")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="reports")
    tracking_code = models.CharField(
        _("tracking code"), max_length=16, unique=True, default=new_tracking_code
    )
    public_code = models.CharField(max_length=16, unique=True, default=new_public_code)
    description = models.TextField(_("description"))
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    lane = models.ForeignKey(
        Lane, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("lane")
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=10, decimal_places=7, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=10, decimal_places=7, null=True, blank=True
    )
    sign_code = models.CharField(_("QR sign"), max_length=32, blank=True)
    # Where the reporter said it is, in their words (Open311 address_string), and the digital
    # address code (mã địa chỉ số) of the household it is at (Open311 address_id).
    address = models.CharField(_("address"), max_length=255, blank=True)
    address_id = models.CharField(_("digital address"), max_length=32, blank=True)
    # The reporter: private unless show_name is set, and then only the name.
    reporter_name = models.CharField(_("name"), max_length=100, blank=True)
    reporter_phone = models.CharField(_("phone"), max_length=20, blank=True)
    reporter_email = models.EmailField(_("e-mail"), blank=True)
    show_name = models.BooleanField(_("show my name publicly"), default=False)
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sender_hash = models.CharField(max_length=64, blank=True, editable=False)
    contact_hash = models.CharField(max_length=64, blank=True, editable=False)

    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NEW, db_index=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback_assigned",
        verbose_name=_("assigned to"),
    )
    forwarded_to = models.CharField(_("forwarded to"), max_length=150, blank=True)
    forwarded_on = models.DateField(_("forwarded on"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    resolution_note = models.TextField(_("resolution note"), blank=True)
    me_too_count = models.PositiveIntegerField(default=0)
    # The Zalo OA conversation the report came from: its tracking code and status changes are
    # sent back there.
    zalo_follower = models.ForeignKey(
        "ZaloFollower", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )

    hidden = models.BooleanField(_("hidden by moderation"), default=False)
    hidden_reason = models.CharField(_("reason"), max_length=255, blank=True)

    created_at = models.DateTimeField(_("sent at"), default=timezone.now, db_index=True)
    ack_due = models.DateTimeField(_("acknowledge by"), null=True, blank=True)
    resolve_due = models.DateTimeField(_("handle by"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    satisfied = models.BooleanField(_("satisfied"), null=True, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["village", "status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=Status.DUPLICATE) | Q(duplicate_of__isnull=False),
                name="feedback_report_duplicate_has_original",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.FORWARDED) | ~Q(forwarded_to=""),
                name="feedback_report_forwarded_has_body",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def kind(self) -> str:
        return status_kind(self.status)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: Any = None) -> bool:
        now = now or timezone.now()
        if self.status == Status.NEW and self.ack_due and self.ack_due < now:
            return True
        return bool(self.is_open and self.resolve_due and self.resolve_due < now)

    @property
    def public_latitude(self) -> Decimal | None:
        """The latitude everyone may see: to about 10 m, not to the reporter's doorstep."""
        return public_coordinate(self.latitude)

    @property
    def public_longitude(self) -> Decimal | None:
        return public_coordinate(self.longitude)

    @property
    def public_name(self) -> str:
        return self.reporter_name if self.show_name else ""

    def answer_items(self) -> list[tuple[str, str]]:
        """The extra answers with the wording of the question each one answered."""
        answers = dict(self.answers or {})
        items = []
        for question in self.category.questions or []:
            key = question.get("key")
            if key in answers:
                items.append((question.get("label") or key, answers.pop(key)))
        items.extend((key, value) for key, value in answers.items())
        return [(label, str(value)) for label, value in items]


def _photo_path(photo: "Photo", filename: str) -> str:
    return f"feedback/{photo.report.village_id}/{uuid.uuid4().hex}{filename[-5:]}"


class PhotoQuerySet(VillageOwnedQuerySet):
    village_lookup = "report__village"


class Photo(models.Model):
    """A photo, re-encoded and stripped of metadata before it was stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=_photo_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    # A photo of the result, taken by staff when closing the report.
    is_result = models.BooleanField(default=False)
    hidden = models.BooleanField(_("hidden by moderation"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return str(self.id)


class Event(models.Model):
    """One entry of a report's history: a status change, a reply, a note, an assignment."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Report sent")
        STATUS = "status", _("Status changed")
        REPLY = "reply", _("Reply")
        NOTE = "note", _("Internal note")
        ASSIGN = "assign", _("Assigned")
        MODERATION = "moderation", _("Moderation")
        RATING = "rating", _("Rated")
        REOPENED = "reopened", _("Reopened by the reporter")
        REMINDER = "reminder", _("Reminder sent")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    public = models.BooleanField(default=False)
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    text = models.TextField(blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set once the reporter has been told, so that a retried task does not tell them twice.
    notified_at = models.DateTimeField(null=True, blank=True)
    # The same for the Zalo OA conversation the report came from.
    zalo_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.kind}"


class MeToo(models.Model):
    """A resident's "me too" on an open report, once per sender."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="me_toos")
    sender_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "sender_hash"], name="feedback_metoo_once_per_sender"
            )
        ]

    def __str__(self) -> str:
        return f"{self.report_id} +1"


class Reminder(models.Model):
    """A reminder sent for a lapsed deadline: one row per (report, lapse, interval)."""

    class Lapse(models.TextChoices):
        ACK = "ack", _("Not acknowledged in time")
        RESOLVE = "resolve", _("Not handled in time")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="reminders")
    lapse = models.CharField(max_length=8, choices=Lapse.choices)
    interval = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "lapse", "interval"], name="feedback_reminder_once_per_lapse"
            )
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.lapse} #{self.interval}"


class ResponseTemplate(models.Model):
    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("text"))

    objects = VillageOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class BlockedSender(Authored):
    """A sender (by IP address or contact) whose reports a village no longer accepts."""

    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="+")
    sender_hash = models.CharField(max_length=64)
    reason = models.CharField(_("reason"), max_length=255, blank=True)

    objects = VillageOwnedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["village", "sender_hash"], name="feedback_blocked_unique_sender"
            )
        ]

    def __str__(self) -> str:
        return self.sender_hash[:12]


class ApiKey(Authored):
    """A key for an Open311 client to create requests in one village."""

    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("client name"), max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    active = models.BooleanField(default=True)

    objects = VillageOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()


class LinkProof(models.TextChoices):
    CODE = "code", _("code from the resident's account")
    OFFICE = "office", _("checked in person at the village office")


class ZaloFollower(models.Model):
    """A person who wrote to (or followed) the village's Zalo Official Account.

    ``user_id`` is Zalo's id of the person for this OA. A follower may link themselves to their
    resident record by sharing their phone number (the OA's "share information" button); the
    consent is the time they pressed it and the wording they were shown. Unlinked followers
    are served all the same.
    """

    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="+")
    user_id = models.CharField(max_length=64, unique=True)
    following = models.BooleanField(default=False)
    resident = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_text = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the person last wrote to the OA (a message, a photo, a place, shared their phone):
    # Zalo lets the OA write to them only for a while after it.
    last_interaction_at = models.DateTimeField(null=True, blank=True)
    # A link made from a typed phone number proves nothing: announcements go only to a
    # verified link (a code from the resident's own account, or checked at the office).
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_how = models.CharField(max_length=10, choices=LinkProof.choices, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Wrong link codes sent, counted from the first of them (feedback.zalo_link).
    code_failures = models.PositiveSmallIntegerField(default=0)
    code_failures_since = models.DateTimeField(null=True, blank=True)

    objects = VillageOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("Zalo follower")
        verbose_name_plural = _("Zalo followers")
        constraints = [
            models.CheckConstraint(
                condition=Q(resident__isnull=True) | Q(consent_at__isnull=False),
                name="feedback_zalofollower_link_has_consent",
            ),
            models.CheckConstraint(
                condition=Q(verified_at__isnull=True) | Q(resident__isnull=False),
                name="feedback_zalofollower_verified_has_resident",
            ),
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(verified_at__isnull=False),
                name="feedback_zalofollower_one_verified_per_resident",
            ),
        ]

    def __str__(self) -> str:
        return self.user_id


class ZaloLinkCode(models.Model):
    """A one-time code a signed-in resident asks for and sends to the OA, which proves that the
    Zalo account sending it is theirs. One live code per resident; only its keyed digest is
    kept, so the table does not give the codes away."""

    village = models.ForeignKey(Village, on_delete=models.CASCADE, related_name="+")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("Zalo link code")
        verbose_name_plural = _("Zalo link codes")
        constraints = [
            models.UniqueConstraint(
                fields=["resident"], name="feedback_zalolinkcode_one_per_resident"
            ),
            models.UniqueConstraint(fields=["digest"], name="feedback_zalolinkcode_unique_digest"),
        ]

    def __str__(self) -> str:
        return f"code for resident {self.resident_id}"


class ZaloEvent(models.Model):
    """One event the OA's webhook delivered, kept once: a replay or a retry by Zalo finds its
    key taken and changes nothing. The key is the message id Zalo gives every message, or
    for events without one a digest of the event's name, person and time."""

    key = models.CharField(max_length=100)
    event_name = models.CharField(max_length=50)
    user_id = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=255, blank=True)
    # A notice for the sender (a photo that was not one...), sent once by a task.
    reply = models.CharField(max_length=500, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Zalo OA event")
        verbose_name_plural = _("Zalo OA events")
        constraints = [
            models.UniqueConstraint(fields=["key"], name="feedback_zaloevent_once_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.event_name} {self.key}"
