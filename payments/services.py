"""Writes of the adoption app: every page, the API, the import and the demo come here."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import Household, Resident
from payments import vietqr
from payments.denominators import VNEID_AGE, age_on, business_flags
from payments.models import (
    BUSINESS_ITEMS,
    HOUSEHOLD_ITEMS,
    RESIDENT_ITEMS,
    Item,
    Method,
    Observation,
    PaymentCode,
    Reason,
    Value,
    Visit,
    values_for,
)
from villageportal import public_cache


@dataclass
class Entry:
    """One value to record: for a resident (``resident`` set) or for the household."""

    item: str
    value: str
    reason: str = ""
    resident: Resident | None = None


@dataclass
class Outcome:
    visit: Visit | None
    observations: list[Observation] = field(default_factory=list)
    duplicate: bool = False


def _display_name(user: Any) -> str:
    if user is None:
        return ""
    return getattr(user, "full_name", "") or user.get_username()


def validate_entry(*, household: Household, entry: Entry, observed_on: date) -> None:
    """Raise ValidationError with a message the team can act on; nothing is written."""
    item = entry.item
    if item not in Item.values:
        raise ValidationError(_("Unknown item: %(item)s.") % {"item": item})
    label = Item(item).label
    if item in RESIDENT_ITEMS:
        resident = entry.resident
        if resident is None:
            raise ValidationError(_("%(item)s is recorded for a person.") % {"item": label})
        if resident.household_id != household.pk or resident.deleted_at is not None:
            raise ValidationError(
                _("%(name)s is not a member of this household.") % {"name": resident.full_name}
            )
        if resident.left_on is not None and resident.left_on <= observed_on:
            raise ValidationError(
                _("%(name)s had left the household on that date.") % {"name": resident.full_name}
            )
        if (
            item == Item.VNEID
            and entry.value in (Value.LEVEL1, Value.LEVEL2)
            and resident.birth_date is not None
            and age_on(resident.birth_date, observed_on) < VNEID_AGE
        ):
            raise ValidationError(
                _("%(name)s is under 14: a VNeID level is not recorded for children under 14.")
                % {"name": resident.full_name}
            )
    else:
        if entry.resident is not None:
            raise ValidationError(_("%(item)s is recorded for the household.") % {"item": label})
    if entry.value not in values_for(item):
        raise ValidationError(
            _("“%(value)s” is not a value of %(item)s.") % {"value": entry.value, "item": label}
        )
    if entry.reason:
        if entry.reason not in Reason.values:
            raise ValidationError(_("Unknown reason: %(reason)s.") % {"reason": entry.reason})
        if entry.value in (Value.YES, Value.LEVEL2):
            raise ValidationError(
                _("A reason is given only for what is not adopted (%(item)s).") % {"item": label}
            )


def validate_business_on(
    *,
    household: Household,
    items: Iterable[str],
    observed_on: date,
    was_business: bool | None = None,
) -> None:
    """Business items need a household that was a business household on the date.

    Asked with ``denominators.business_flags``, the rule the figures on that date count with,
    so that a value is accepted exactly when its household is among the business households
    of its date. ``was_business`` is that answer when the caller already has it (the import
    asks for all its rows in one query).
    """
    business = [item for item in dict.fromkeys(items) if item in BUSINESS_ITEMS]
    if not business:
        return
    if was_business is None:
        key = (household.pk, observed_on)
        was_business = business_flags([key]).get(key, False)
    if not was_business:
        raise ValidationError([business_refusal(item, observed_on) for item in business])


def business_refusal(item: str, observed_on: date) -> str:
    return _(
        "%(item)s is recorded for business households only: this household was not a "
        "business household on %(date)s."
    ) % {"item": Item(item).label, "date": observed_on.strftime("%d/%m/%Y")}


def validate_date(observed_on: date, *, household: Household) -> None:
    if observed_on > timezone.localdate():
        raise ValidationError(_("The date is in the future."))
    if household.established_on and observed_on < household.established_on:
        raise ValidationError(_("The date is before the household was registered."))


def _household_for_update(household: Household) -> Household:
    if household.deleted_at is not None or household.status != Household.Status.ACTIVE:
        raise ValidationError(_("This household is no longer active."))
    return household


@transaction.atomic
def adoption_record(
    *,
    household: Household,
    entries: Iterable[Entry],
    observed_on: date,
    method: str,
    by: Any,
    submission_token: uuid.UUID | None = None,
    helped_with: Iterable[str] = (),
    note: str = "",
    source: str = "",
    only_changes: bool = True,
    bump_public: bool = True,
    was_business: bool | None = None,
) -> Outcome:
    """Record a visit's values (or an import's) for one household, all or nothing.

    With a ``submission_token``, the values are recorded with a visit; the same token a second
    time returns the first visit and writes nothing (a double tap, a resend). Values equal to
    the current ones are skipped when ``only_changes`` (the history would only grow noise),
    except on a visit, where seeing the same value again is itself worth dating.
    ``was_business``: see ``validate_business_on``.
    """
    if submission_token is not None:
        existing = Visit.objects.filter(submission_token=submission_token).first()
        if existing is not None:
            if existing.household_id != household.pk:
                raise ValidationError(_("This form was already used for another household."))
            return Outcome(existing, list(existing.observations.all()), duplicate=True)
    _household_for_update(household)
    if method not in Method.values:
        raise ValidationError(_("Choose how the values were checked."))
    validate_date(observed_on, household=household)
    entries = list(entries)
    for entry in entries:
        validate_entry(household=household, entry=entry, observed_on=observed_on)
    validate_business_on(
        household=household,
        items=[entry.item for entry in entries],
        observed_on=observed_on,
        was_business=was_business,
    )
    helped = [item for item in helped_with if item in Item.values]
    if len(helped) != len(list(helped_with)):
        raise ValidationError(_("Unknown item in “helped with”."))
    visit = None
    if submission_token is not None:
        visit = Visit(
            village_id=household.village_id,
            household=household,
            visited_on=observed_on,
            visited_by=by,
            visitor_name=_display_name(by)[:150],
            helped_with=helped,
            note=note[:500],
            submission_token=submission_token,
        )
        try:
            with transaction.atomic():
                visit.save()
        except IntegrityError:
            # Two taps raced past the lookup above: the first one won.
            existing = Visit.objects.get(submission_token=submission_token)
            return Outcome(existing, list(existing.observations.all()), duplicate=True)
    if only_changes and visit is None:
        entries = [e for e in entries if _differs(household, e, observed_on)]
    now = timezone.now()
    rows = [
        Observation(
            village_id=household.village_id,
            household=household,
            resident=entry.resident,
            item=entry.item,
            value=entry.value,
            adopted=entry.value in (Value.YES, Value.LEVEL2),
            reason=entry.reason,
            observed_on=observed_on,
            method=method,
            recorded_by=by,
            recorded_at=now,
            visit=visit,
            source=source[:255],
        )
        for entry in entries
    ]
    Observation.objects.bulk_create(rows)
    if rows and bump_public:
        # The village's public page shows the adoption figures.
        public_cache.bump(household.village_id)
    return Outcome(visit, rows)


def _differs(household: Household, entry: Entry, observed_on: date) -> bool:
    latest = (
        Observation.objects.filter(household=household, resident=entry.resident, item=entry.item)
        .on_or_before(observed_on)
        .latest_first()
        .values_list("value", "reason")
        .first()
    )
    return latest != (entry.value, entry.reason)


def current_values(
    *, household: Household, residents: Iterable[Resident], day: date
) -> dict[tuple[int | None, str], Observation]:
    """The latest observation of every item on ``day``: {(resident id or None, item): row}."""
    latest: dict[tuple[int | None, str], Observation] = {}
    rows = (
        Observation.objects.filter(household=household, observed_on__lte=day)
        .select_related("recorded_by")
        .order_by("observed_on", "recorded_at", "pk")
    )
    for row in rows:
        latest[(row.resident_id, row.item)] = row
    return latest


def items_for_household(household: Household) -> tuple[str, ...]:
    return HOUSEHOLD_ITEMS + (BUSINESS_ITEMS if household.is_business else ())


# ---------------------------------------------------------------------------------------
# Payment codes


@transaction.atomic
def payment_code_create(
    *,
    village: Any,
    household: Household | None,
    shop_name: str,
    bank_bin: str,
    account_number: str,
    account_name: str = "",
    by: Any,
) -> PaymentCode:
    if household is not None and (household.village_id != village.pk or not household.is_business):
        raise ValidationError(_("Choose a business household of this village."))
    bank = vietqr.bank_by_bin(bank_bin)
    if bank is None:
        raise ValidationError(_("Unknown bank."))
    account_number = vietqr.clean_account_number(account_number)
    shop_name = (shop_name or "").strip()
    if not shop_name:
        raise ValidationError(_("Give the name to print on the card."))
    if len(shop_name) > 100:
        raise ValidationError(_("The name is too long (100 characters at most)."))
    account_name = vietqr.clean_account_name(account_name)
    if PaymentCode.objects.filter(
        village=village, bank_bin=bank.bin, account_number=account_number
    ).exists():
        raise ValidationError(_("This account already has a payment code in the village."))
    code = PaymentCode(
        village=village,
        household=household,
        shop_name=shop_name,
        bank_bin=bank.bin,
        account_number=account_number,
        account_name=account_name,
        created_by=by,
    )
    code.save()
    return code
