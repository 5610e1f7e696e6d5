"""Reports' fields for the processing register (``privacy.registry``).

The criteria report holds figures, never a person; its records lists are read live from the
apps that own them and declared there.
"""

from django.utils.translation import gettext_lazy as _

from accounts.roles import COMMUNE_ROLES
from privacy.registry import (
    DataClass,
    LegalBasis,
    NotPersonal,
    PersonalField,
    Purpose,
    declare,
)

declare(
    PersonalField(
        model="reports.PeriodEvent",
        fields=("by_name", "reason"),
        label=_("Who closed or reopened a report period, and why"),
        data_class=DataClass.BASIC,
        purpose=Purpose.ACCOUNTABILITY,
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        retention=_("Kept with the period"),
        seen_by=lambda: set(COMMUNE_ROLES),
        subject=_("The commune official"),
    ),
    NotPersonal(
        "reports.CriteriaSet",
        ("name", "legal_basis_number", "notes"),
        reason=_("A criteria set and its legal basis"),
    ),
    NotPersonal("reports.CriteriaSetEvent", ("reason",), reason=_("Why a criteria set changed")),
    NotPersonal("reports.Indicator", ("name",), reason=_("An indicator's name")),
    NotPersonal(
        "reports.Attestation",
        ("note", "evidence", "evidence_name"),
        reason=_("Evidence of a village-level criterion (a decision, a photo of a facility)"),
    ),
    NotPersonal("reports.PeriodClose", ("figures",), reason=_("Village figures, no person")),
    NotPersonal("reports.ExportJob", ("file", "error"), reason=_("An exported report of figures")),
)
