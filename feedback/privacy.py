"""Feedback's personal fields for the processing register (``privacy.registry``).

Who sees the reporter's identity is ``households.visibility.REPORTER_ROLES``; who handles a
report is ``feedback.access.HANDLER_ROLES``.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from feedback.access import HANDLER_ROLES
from households.visibility import REPORTER_ROLES
from privacy.registry import (
    OWN_RECORD,
    PUBLIC_IF_CONSENTED,
    DataClass,
    LegalBasis,
    NotPersonal,
    PersonalField,
    Purpose,
    declare,
)

REPORT_RETENTION = _("While the report is kept in the village's feedback book")
REPORTER = _("The reporter")

declare(
    PersonalField(
        model="feedback.Report",
        fields=("reporter_name", "reporter_phone", "reporter_email", "show_name"),
        label=_("Name and contacts of the person who sent feedback"),
        data_class=DataClass.BASIC,
        purpose=Purpose.FEEDBACK,
        legal_basis=LegalBasis.CONSENT,
        retention=REPORT_RETENTION,
        seen_by=lambda: set(REPORTER_ROLES) | {OWN_RECORD, PUBLIC_IF_CONSENTED},
        subject=REPORTER,
    ),
    PersonalField(
        model="feedback.Report",
        fields=("latitude", "longitude", "address", "address_id", "sign_code"),
        label=_("Where the problem is (a point from the phone's location, or an address)"),
        # Decree 356/2025, Art. 4: a location identified through location services is
        # sensitive; the point comes from the phone's location when the reporter allows it.
        data_class=DataClass.SENSITIVE,
        purpose=Purpose.FEEDBACK,
        legal_basis=LegalBasis.CONSENT,
        retention=REPORT_RETENTION,
        seen_by=lambda: set(HANDLER_ROLES) | {OWN_RECORD},
        subject=REPORTER,
    ),
    PersonalField(
        model="feedback.Report",
        fields=(
            "description",
            "answers",
            "resolution_note",
            "hidden_reason",
            "rating_comment",
            "forwarded_to",
            "tracking_code",
            "public_code",
        ),
        label=_("What the report says, its answers and replies"),
        data_class=DataClass.BASIC,
        purpose=Purpose.FEEDBACK,
        legal_basis=LegalBasis.CONSENT,
        retention=REPORT_RETENTION,
        seen_by=lambda: set(HANDLER_ROLES) | {OWN_RECORD},
        subject=REPORTER,
    ),
    PersonalField(
        model="feedback.Report",
        fields=("sender_hash", "contact_hash"),
        label=_("Keyed fingerprints of the sender (for limits and blocking)"),
        data_class=DataClass.BASIC,
        purpose=Purpose.FEEDBACK,
        legal_basis=LegalBasis.CONSENT,
        retention=REPORT_RETENTION,
        seen_by=set,
        subject=REPORTER,
    ),
    PersonalField(
        model="feedback.Photo",
        fields=("image",),
        label=_("Photos sent with a report (metadata removed)"),
        data_class=DataClass.BASIC,
        purpose=Purpose.FEEDBACK,
        legal_basis=LegalBasis.CONSENT,
        retention=REPORT_RETENTION,
        seen_by=lambda: set(HANDLER_ROLES) | {OWN_RECORD},
        subject=REPORTER,
    ),
    PersonalField(
        model="feedback.Event",
        fields=("text",),
        label=_("Notes and replies on a report"),
        data_class=DataClass.BASIC,
        purpose=Purpose.FEEDBACK,
        legal_basis=LegalBasis.CONSENT,
        retention=REPORT_RETENTION,
        seen_by=lambda: set(HANDLER_ROLES) | {OWN_RECORD},
        subject=REPORTER,
    ),
    PersonalField(
        model="feedback.BlockedSender",
        fields=("sender_hash", "reason"),
        label=_("Blocked senders (fingerprint and reason)"),
        data_class=DataClass.BASIC,
        purpose=Purpose.FEEDBACK,
        legal_basis=LegalBasis.PUBLIC_TASK,
        retention=_("Until the block is lifted"),
        seen_by=lambda: set(HANDLER_ROLES),
        subject=REPORTER,
    ),
    PersonalField(
        model="feedback.ZaloFollower",
        fields=(
            "user_id",
            "consent_text",
            "last_interaction_at",
            "verified_at",
            "verified_how",
            "verified_by",
        ),
        label=_(
            "Zalo user id of a follower of the village's OA, their consent, when they last "
            "wrote, and how their link to a resident was proven"
        ),
        # Decree 356/2025, Art. 3: a person's digital account information is basic.
        data_class=DataClass.BASIC,
        purpose=Purpose.FEEDBACK,
        legal_basis=LegalBasis.CONSENT,
        retention=_("While the person follows the OA"),
        seen_by=lambda: set(HANDLER_ROLES),
        subject=_("The follower"),
    ),
    NotPersonal(
        "feedback.ZaloLinkCode",
        ("digest",),
        reason=_(
            "A keyed hash of a one-time code, valid for 15 minutes; the code itself is never kept"
        ),
    ),
    PersonalField(
        model="feedback.ZaloEvent",
        fields=("event_name", "user_id", "payload"),
        label=_("Messages received from the village's Zalo OA"),
        data_class=DataClass.BASIC,
        purpose=Purpose.FEEDBACK,
        legal_basis=LegalBasis.CONSENT,
        retention=_("%(days)s days") % {"days": settings.FEEDBACK_ZALO_EVENT_KEEP_DAYS},
        retention_setting="FEEDBACK_ZALO_EVENT_KEEP_DAYS",
        seen_by=set,
        subject=_("The follower"),
    ),
    NotPersonal(
        "feedback.Category", ("name", "description"), reason=_("The village's list of topics")
    ),
    NotPersonal(
        "feedback.ResponseTemplate", ("text",), reason=_("Reply templates written by staff")
    ),
    NotPersonal(
        "feedback.ApiKey", ("name", "prefix", "key_hash"), reason=_("A key of a partner system")
    ),
)
