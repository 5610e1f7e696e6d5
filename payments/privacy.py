"""Digital adoption's personal fields for the processing register (``privacy.registry``)."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import STAFF_ROLES
from payments.access import RECORDER_ROLES
from privacy.registry import (
    OWN_RECORD,
    DataClass,
    LegalBasis,
    PersonalField,
    Purpose,
    declare,
)

declare(
    PersonalField(
        model="payments.Observation",
        fields=("item", "value", "adopted", "reason", "source", "observed_on", "method"),
        label=_("Which digital services a person uses (VNeID, bank app, e-wallet, e-health...)"),
        # Decree 356/2025, Art. 4 makes financial data (bank accounts and their use) sensitive;
        # whether a person uses a bank app or e-wallet is classed with it.
        data_class=DataClass.SENSITIVE,
        purpose=Purpose.ADOPTION,
        legal_basis=LegalBasis.CONSENT,
        retention=_("Until the next survey replaces it; older answers are kept for the history"),
        seen_by=lambda: set(STAFF_ROLES) | {OWN_RECORD},
        subject=_("The household and its members"),
    ),
    PersonalField(
        model="payments.Visit",
        fields=("visited_on", "visitor_name", "helped_with", "note", "submission_token"),
        label=_("Door-to-door visits and what the household was helped with"),
        data_class=DataClass.BASIC,
        purpose=Purpose.ADOPTION,
        legal_basis=LegalBasis.CONSENT,
        retention=_("Kept with the household's adoption history"),
        seen_by=lambda: set(RECORDER_ROLES),
        subject=_("The household"),
    ),
    PersonalField(
        model="payments.PaymentCode",
        fields=("shop_name", "bank_bin", "account_number", "account_name"),
        label=_("Bank account of a business household (its VietQR payment code)"),
        data_class=DataClass.SENSITIVE,
        purpose=Purpose.PAYMENTS,
        legal_basis=LegalBasis.CONSENT,
        retention=_("Until the household removes its payment code"),
        seen_by=lambda: set(RECORDER_ROLES) | {OWN_RECORD},
        subject=_("The business household"),
    ),
    PersonalField(
        model="payments.AdoptionImport",
        fields=("original_name", "rows", "errors"),
        label=_("Uploaded adoption spreadsheets"),
        data_class=DataClass.SENSITIVE,
        purpose=Purpose.ADOPTION,
        legal_basis=LegalBasis.CONSENT,
        retention=_("Until the import finishes or is abandoned (a day at most)"),
        seen_by=lambda: set(RECORDER_ROLES),
    ),
)
