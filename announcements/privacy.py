"""Announcements' personal fields for the processing register (``privacy.registry``)."""

from django.utils.translation import gettext_lazy as _

from announcements.access import WRITER_ROLES
from privacy.registry import (
    OWN_RECORD,
    DataClass,
    LegalBasis,
    NotPersonal,
    PersonalField,
    Purpose,
    declare,
)

OUTBOX_RETENTION = _("Kept with the announcement, as proof of who was reached")
RECIPIENT = _("The recipient")

declare(
    PersonalField(
        model="announcements.Delivery",
        fields=("address", "reason", "gateway_ref", "request_id"),
        label=_("Address a message was sent to (phone, e-mail, Zalo id) and its outcome"),
        data_class=DataClass.BASIC,
        purpose=Purpose.ANNOUNCEMENTS,
        legal_basis=LegalBasis.CONSENT,
        retention=OUTBOX_RETENTION,
        seen_by=lambda: set(WRITER_ROLES),
        subject=RECIPIENT,
    ),
    PersonalField(
        model="announcements.UnknownDelivery",
        fields=("address", "reason", "gateway_ref", "request_id"),
        label=_("Deliveries whose outcome is being checked with the provider"),
        data_class=DataClass.BASIC,
        purpose=Purpose.ANNOUNCEMENTS,
        legal_basis=LegalBasis.CONSENT,
        retention=OUTBOX_RETENTION,
        seen_by=set,
        subject=RECIPIENT,
    ),
    PersonalField(
        model="announcements.Acknowledgement",
        fields=("answer", "answered_at"),
        label=_("A resident's acknowledgement of an announcement"),
        # Decree 356/2025, Art. 4: data tracking a person's use of online services is
        # sensitive; whether and when someone read and answered is such data.
        data_class=DataClass.SENSITIVE,
        purpose=Purpose.ANNOUNCEMENTS,
        legal_basis=LegalBasis.CONSENT,
        retention=OUTBOX_RETENTION,
        seen_by=lambda: set(WRITER_ROLES) | {OWN_RECORD},
        subject=RECIPIENT,
    ),
    PersonalField(
        model="announcements.Sighting",
        fields=("via", "seen_at"),
        label=_("When a resident saw an announcement, and where"),
        data_class=DataClass.SENSITIVE,
        purpose=Purpose.ANNOUNCEMENTS,
        legal_basis=LegalBasis.CONSENT,
        retention=OUTBOX_RETENTION,
        seen_by=lambda: set(WRITER_ROLES),
        subject=RECIPIENT,
    ),
    PersonalField(
        model="announcements.Preference",
        fields=("web", "webpush", "email", "sms", "zalo", "quiet_from", "quiet_until"),
        label=_("A resident's choice of channels and quiet hours"),
        data_class=DataClass.BASIC,
        purpose=Purpose.ANNOUNCEMENTS,
        legal_basis=LegalBasis.CONSENT,
        retention=_("While the resident is on the register"),
        seen_by=lambda: {OWN_RECORD},
        subject=RECIPIENT,
    ),
    PersonalField(
        model="announcements.PushSubscription",
        fields=("endpoint", "p256dh", "auth", "user_agent", "created_at", "last_success_at"),
        label=_("A phone or computer a person turned push notifications on for"),
        data_class=DataClass.BASIC,
        purpose=Purpose.ANNOUNCEMENTS,
        legal_basis=LegalBasis.CONSENT,
        retention=_("Until the person turns them off, or the push service says it has expired"),
        seen_by=lambda: {OWN_RECORD},
        subject=RECIPIENT,
    ),
    NotPersonal(
        "announcements.Announcement",
        (
            "public_code",
            "title",
            "body",
            "title_en",
            "body_en",
            "attachment",
            "event_place",
            "cap_area",
            "channels",
        ),
        reason=_("A notice the village publishes; staff are asked not to name residents in it"),
    ),
    NotPersonal("announcements.Group", ("name",), reason=_("A named group of the village")),
    NotPersonal(
        "announcements.ZaloToken",
        ("access_token", "refresh_token"),
        reason=_("The village OA's own credentials, encrypted"),
    ),
    NotPersonal("announcements.ZnsTemplate", ("name",), reason=_("A message template")),
    NotPersonal("announcements.SpeakerCluster", ("name",), reason=_("A group of loudspeakers")),
    NotPersonal(
        "announcements.SpeakerItem", ("audio",), reason=_("Synthesised speech of a notice")
    ),
)
