"""Accounts' personal fields for the processing register (``privacy.registry``)."""

from django.utils.translation import gettext_lazy as _

from accounts.roles import INVITER_ROLES
from privacy.registry import (
    OWN_RECORD,
    DataClass,
    LegalBasis,
    PersonalField,
    Purpose,
    declare,
)

HOLDER = _("The account holder")

declare(
    PersonalField(
        model="accounts.User",
        fields=("full_name", "email", "phone"),
        label=_("Name, e-mail and phone of an account"),
        data_class=DataClass.BASIC,
        purpose=Purpose.ACCOUNTS,
        legal_basis=LegalBasis.CONSENT,
        retention=_("While the account exists"),
        seen_by=lambda: set(INVITER_ROLES) | {OWN_RECORD},
        subject=HOLDER,
    ),
    PersonalField(
        model="accounts.User",
        fields=("password",),
        label=_("Password (stored only as a salted hash)"),
        # Decree 356/2025, Art. 4: log-in names and passwords of accounts are sensitive.
        data_class=DataClass.SENSITIVE,
        purpose=Purpose.ACCOUNTS,
        legal_basis=LegalBasis.CONSENT,
        retention=_("While the account exists"),
        seen_by=set,
        subject=HOLDER,
    ),
    PersonalField(
        model="accounts.Invitation",
        fields=("full_name", "email", "phone", "token_hash"),
        label=_("Name and contact of an invited person"),
        data_class=DataClass.BASIC,
        purpose=Purpose.ACCOUNTS,
        legal_basis=LegalBasis.PUBLIC_TASK,
        retention=_("Until the invitation is accepted, revoked or expires"),
        seen_by=lambda: set(INVITER_ROLES),
        subject=_("The invited person"),
    ),
    PersonalField(
        model="accounts.ApiToken",
        fields=("token_key", "password_fingerprint"),
        label=_("Personal API tokens (stored as digests)"),
        data_class=DataClass.SENSITIVE,
        purpose=Purpose.ACCOUNTS,
        legal_basis=LegalBasis.CONSENT,
        retention=_("Until the token expires"),
        retention_setting="API_TOKEN_DAYS",
        seen_by=lambda: {OWN_RECORD},
        subject=HOLDER,
    ),
)
