"""The registry's personal fields for the processing register (``privacy.registry``).

Who sees a resident field is read from ``households.visibility``, never copied here.
"""

from django.utils.translation import gettext_lazy as _

from accounts.roles import STAFF_ROLES, VILLAGE_ROLES, Role
from households.access import EDITOR_ROLES
from households.visibility import (
    OPENED_RECORD_FIELDS,
    OWN_HOUSEHOLD_FIELDS,
    RESIDENT_FIELDS_BY_ROLE,
)
from privacy.registry import (
    OPENED_RECORD,
    OWN_RECORD,
    PUBLIC_IF_CONSENTED,
    DataClass,
    LegalBasis,
    NotPersonal,
    PersonalField,
    Purpose,
    declare,
)

REGISTRY_RETENTION = _(
    "While the person or household is on the register; a removed record is kept, marked "
    "removed, as the village's history of changes"
)


def resident_audience(field: str) -> set[str]:
    """Who sees ``field`` of a resident, from ``households.visibility``."""
    seen = {role for role, fields in RESIDENT_FIELDS_BY_ROLE.items() if field in fields}
    if field in OPENED_RECORD_FIELDS:
        seen.add(OPENED_RECORD)
    if field in OWN_HOUSEHOLD_FIELDS:
        seen.add(OWN_RECORD)
    return seen


def _resident(fields: tuple[str, ...], label: object, *, visible_as: str) -> PersonalField:
    return PersonalField(
        model="households.Resident",
        fields=fields,
        label=label,
        data_class=DataClass.BASIC,
        purpose=Purpose.REGISTRY,
        legal_basis=LegalBasis.PUBLIC_TASK,
        retention=REGISTRY_RETENTION,
        seen_by=lambda: resident_audience(visible_as),
    )


def _household_staff() -> set[str]:
    # Every village role of the household's village sees the household's page.
    return set(VILLAGE_ROLES & STAFF_ROLES) | {OPENED_RECORD, OWN_RECORD}


declare(
    # Decree 356/2025, Art. 3: name, birth date, sex, personal identification number,
    # phone number and family relationships are basic personal data.
    _resident(("full_name",), _("Full name"), visible_as="full_name"),
    _resident(("gender",), _("Sex"), visible_as="gender"),
    _resident(("birth_date",), _("Date of birth"), visible_as="birth_date"),
    _resident(("national_id",), _("Personal identification number"), visible_as="national_id"),
    _resident(("phone",), _("Phone number"), visible_as="phone"),
    _resident(
        ("relationship", "is_head"),
        _("Relationship to the household head"),
        visible_as="relationship",
    ),
    _resident(
        ("joined_on", "left_on"),
        _("Dates of joining and leaving the household"),
        visible_as="joined_on",
    ),
    _resident(("deleted_reason",), _("Reason a record was removed"), visible_as="full_name"),
    PersonalField(
        model="households.Household",
        fields=("house_number", "house_number_key", "digital_address", "public_code"),
        label=_("House number and digital address of the household"),
        data_class=DataClass.BASIC,
        purpose=Purpose.REGISTRY,
        legal_basis=LegalBasis.PUBLIC_TASK,
        retention=REGISTRY_RETENTION,
        # The door-plate page shows the number and address to everyone, the head's name
        # only where the household consented (head_name_public).
        seen_by=lambda: _household_staff() | {PUBLIC_IF_CONSENTED},
        subject=_("The household"),
    ),
    PersonalField(
        model="households.Household",
        fields=("latitude", "longitude"),
        label=_("Location of the house (map point set by staff)"),
        data_class=DataClass.BASIC,
        purpose=Purpose.REGISTRY,
        legal_basis=LegalBasis.PUBLIC_TASK,
        retention=REGISTRY_RETENTION,
        seen_by=_household_staff,
        subject=_("The household"),
    ),
    PersonalField(
        model="households.Household",
        fields=("business_name", "head_name_public", "notes", "search_document", "deleted_reason"),
        label=_("Business name, publication choice and staff notes of the household"),
        data_class=DataClass.BASIC,
        purpose=Purpose.REGISTRY,
        legal_basis=LegalBasis.PUBLIC_TASK,
        retention=REGISTRY_RETENTION,
        # The household page shows the notes to whoever sees any resident field there.
        seen_by=lambda: (
            {role for role, fields in RESIDENT_FIELDS_BY_ROLE.items() if fields} | {OPENED_RECORD}
        ),
        subject=_("The household"),
    ),
    PersonalField(
        model="households.RecordAccess",
        fields=("user_name", "reason"),
        label=_("Log of staff opening a household's record"),
        data_class=DataClass.BASIC,
        purpose=Purpose.ACCOUNTABILITY,
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        retention=_("Kept with the household's record"),
        seen_by=lambda: {Role.VILLAGE_HEAD, OWN_RECORD},
        subject=_("The staff member who opened the record"),
    ),
    PersonalField(
        model="households.ImportJob",
        fields=("file", "original_name", "errors", "preview"),
        label=_("Uploaded registry spreadsheets"),
        data_class=DataClass.BASIC,
        purpose=Purpose.REGISTRY,
        legal_basis=LegalBasis.PUBLIC_TASK,
        retention=_("Until the import finishes or is abandoned (a day at most)"),
        seen_by=lambda: set(EDITOR_ROLES),
    ),
    NotPersonal(
        "households.Province", ("name", "codename"), reason=_("Name of an administrative unit")
    ),
    NotPersonal(
        "households.Commune", ("name", "codename"), reason=_("Name of an administrative unit")
    ),
    NotPersonal(
        "households.Village",
        ("name", "office_address", "office_phone", "latitude", "longitude"),
        reason=_("The village and its office, a public body"),
    ),
    NotPersonal(
        "households.Lane",
        ("deleted_reason", "name", "sketch", "geometry"),
        reason=_("A lane of the village and its map, not a person"),
    ),
)
