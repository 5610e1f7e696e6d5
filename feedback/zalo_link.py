"""Proof that a Zalo follower is the resident they are linked to: the writes.

A follower who shares a phone number through the OA's form is linked to the resident with that
number, but only *unverified*: anybody can type a neighbour's number. Unverified links keep
serving the follower's own reports; announcements go only to a verified link
(``zalo_inbox.followers_for``). A link is verified in one of two ways:

- **a code**: the signed-in resident asks their account page for a one-time code
  (``LINK_CODE_DIGITS`` digits, valid ``LINK_CODE_MINUTES`` minutes, one live code per resident,
  only its keyed digest kept) and sends it to the OA as a message. The follower who sends it is
  linked to that resident, verified;
- **at the office**: staff who edit the registry check the person's identity and mark an
  existing unverified link verified (``link_verify_in_person``), with who and when.

A resident has at most one verified follower, and a follower one resident: a new verification
replaces the resident's earlier link (and any other follower's unverified claim on them), and a
follower verified for someone else leaves its earlier link. Verifying records the consent to be
contacted through Zalo the same way sharing the phone number does.

A wrong code names no resident, so wrong codes are counted per follower: after
``LINK_CODE_MAX_FAILURES`` within ``LINK_CODE_FAILURE_HOURS`` hours the follower's codes are not
even looked at until that time has passed (a 6-digit code cannot be guessed in so few tries).
"""

import re
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from feedback.models import LinkProof, ZaloFollower, ZaloLinkCode
from households.models import Resident
from villageportal.text import fold

LINK_CODE_DIGITS = 6
LINK_CODE_MINUTES = 15
LINK_CODE_MAX_FAILURES = 5
LINK_CODE_FAILURE_HOURS = 24
CONSENT_TEXT = (
    "Gửi mã liên kết từ tài khoản cư dân tới Official Account của thôn để nhận thông báo qua Zalo."
)
OFFICE_CONSENT_TEXT = (
    "Xác nhận trực tiếp tại nhà văn hoá thôn để nhận thông báo qua Official Account của thôn."
)
# "123456", "123 456", "Mã 123456", "ma: 123-456": a message that is only a code.
_CODE_MESSAGE = re.compile(r"^\s*(?:ma\s*(?:lien\s*ket)?\s*[:\-]?\s*)?([\d\s.\-]+?)\s*$")


def digest(code: str) -> str:
    return salted_hmac("feedback.zalo_link", code, algorithm="sha256").hexdigest()


def code_in(text: str) -> str | None:
    """The code a message consists of, or None when the message is something else."""
    match = _CODE_MESSAGE.match(fold(text or ""))
    if match is None:
        return None
    digits = re.sub(r"\D", "", match.group(1))
    return digits if len(digits) == LINK_CODE_DIGITS else None


@transaction.atomic
def link_code_issue(*, resident: Resident, now: Any = None) -> str:
    """A fresh code for the resident (their earlier one stops working): the code itself,
    which is shown once and never stored."""
    now = now or timezone.now()
    village = resident.household.village
    ZaloLinkCode.objects.filter(expires_at__lte=now).delete()
    ZaloLinkCode.objects.filter(resident=resident).delete()
    for _attempt in range(20):
        code = "".join(secrets.choice("0123456789") for _ in range(LINK_CODE_DIGITS))
        try:
            with transaction.atomic():
                ZaloLinkCode.objects.create(
                    village=village,
                    resident=resident,
                    digest=digest(code),
                    created_at=now,
                    expires_at=now + timedelta(minutes=LINK_CODE_MINUTES),
                )
        except IntegrityError:
            continue  # another resident's live code: draw again
        return code
    raise ValidationError(_("No code could be made just now. Try again."), code="busy")


def link_code_live(*, resident: Resident, now: Any = None) -> ZaloLinkCode | None:
    now = now or timezone.now()
    return ZaloLinkCode.objects.filter(resident=resident, expires_at__gt=now).first()


def _link_verified(
    *, follower: ZaloFollower, resident: Resident, how: str, by: Any, consent: str, now: Any
) -> ZaloFollower:
    """Link ``follower`` to ``resident`` as verified; whoever else was linked to the resident
    is let go first (one follower per resident)."""
    others = ZaloFollower.objects.filter(resident=resident).exclude(pk=follower.pk)
    others.update(
        resident=None,
        verified_at=None,
        verified_how="",
        verified_by=None,
        consent_at=None,
        consent_text="",
    )
    follower.resident = resident
    follower.verified_at = now
    follower.verified_how = how
    follower.verified_by = by
    follower.consent_at = now
    follower.consent_text = consent
    follower.code_failures = 0
    follower.code_failures_since = None
    follower.save(
        update_fields=[
            "resident",
            "verified_at",
            "verified_how",
            "verified_by",
            "consent_at",
            "consent_text",
            "code_failures",
            "code_failures_since",
        ]
    )
    return follower


def link_code_redeem(*, follower: ZaloFollower, code: str, now: Any) -> tuple[str, str]:
    """A follower sent a code (inside the event's transaction, the follower row locked):
    (outcome, the answer for the conversation). A wrong or expired code counts a failure."""
    window = timedelta(hours=LINK_CODE_FAILURE_HOURS)
    if follower.code_failures_since is not None and follower.code_failures_since + window <= now:
        follower.code_failures, follower.code_failures_since = 0, None
    with translation.override(settings.LANGUAGE_CODE):
        if follower.code_failures >= LINK_CODE_MAX_FAILURES:
            follower.save(update_fields=["code_failures", "code_failures_since"])
            return "link code: locked", _(
                "Too many wrong codes. Try again tomorrow, or ask the village office to "
                "confirm your account."
            )
        found = (
            ZaloLinkCode.objects.select_for_update()
            .select_related("resident")
            .filter(digest=digest(code), village=follower.village)
            .first()
        )
        if found is None or found.expires_at <= now:
            follower.code_failures += 1
            follower.code_failures_since = follower.code_failures_since or now
            follower.save(update_fields=["code_failures", "code_failures_since"])
            if found is not None:
                return "link code: expired", _(
                    "This code has expired. Ask your account page for a new one and send it "
                    "within %(minutes)s minutes."
                ) % {"minutes": LINK_CODE_MINUTES}
            return "link code: wrong", _(
                "This code is not right. Check the code on your account page and send it again."
            )
        resident = found.resident
        found.delete()
        _link_verified(
            follower=follower,
            resident=resident,
            how=LinkProof.CODE,
            by=None,
            consent=CONSENT_TEXT,
            now=now,
        )
        return "link code: verified", _(
            "Linked to the resident account of %(name)s: village announcements will come "
            "through this conversation. To stop, unlink on your account page."
        ) % {"name": resident.full_name}


@transaction.atomic
def link_verify_in_person(*, follower: ZaloFollower, by: Any) -> ZaloFollower:
    """Staff checked the person's identity at the office: the follower's unverified link
    becomes verified, with who and when."""
    follower = ZaloFollower.objects.select_for_update().get(pk=follower.pk)
    if follower.resident_id is None:
        raise ValidationError(
            _("This Zalo account is not linked to a resident any more."), code="unlinked"
        )
    if follower.verified_at is not None:
        raise ValidationError(_("This link is already verified."), code="verified")
    resident = Resident.objects.get(pk=follower.resident_id)
    return _link_verified(
        follower=follower,
        resident=resident,
        how=LinkProof.OFFICE,
        by=by,
        consent=OFFICE_CONSENT_TEXT,
        now=timezone.now(),
    )


@transaction.atomic
def link_unlink(*, resident: Resident) -> int:
    """The resident stops OA messages: every follower linked to them lets go at once, with
    the consent, and their live code stops working. The number of links removed."""
    ZaloLinkCode.objects.filter(resident=resident).delete()
    return ZaloFollower.objects.filter(resident=resident).update(
        resident=None,
        verified_at=None,
        verified_how="",
        verified_by=None,
        consent_at=None,
        consent_text="",
    )
