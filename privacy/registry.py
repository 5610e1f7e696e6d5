"""The declaration of every personal field, from which the processing register is generated.

Each app declares its own fields in ``<app>/privacy.py`` with ``declare(...)``; the privacy
app imports those modules at start-up (``PrivacyConfig.ready``), as the reports app does with
``<app>/measures.py``. A declaration names who sees the field through a callable that reads
the owning app's own access rules (``households.visibility`` for residents), so the register
says what the code does rather than a second copy of it.

Example, in ``households/privacy.py``::

    declare(PersonalField(
        model="households.Resident",
        fields=("national_id",),
        label=_("Personal identification number"),
        data_class=DataClass.BASIC,
        purpose=Purpose.REGISTRY,
        legal_basis=LegalBasis.PUBLIC_TASK,
        retention=_("While the person lives in the village, then ..."),
        seen_by=lambda: resident_audience("national_id"),
    ))
    declare(NotPersonal("households.Household", ("status",), reason=_("...")))
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataClass(models.TextChoices):
    """Law 91/2025/QH15, Art. 2(2)-(3); the lists are Decree 356/2025/NĐ-CP, Art. 3 and 4."""

    BASIC = "basic", _("Basic personal data")
    SENSITIVE = "sensitive", _("Sensitive personal data")


class Purpose(models.TextChoices):
    """The purposes the portal processes personal data for (one per declared field)."""

    REGISTRY = "registry", _("Keeping the village's register of households and residents")
    ACCOUNTS = "accounts", _("Signing in staff and residents, and inviting them")
    FEEDBACK = "feedback", _("Receiving and answering residents' feedback")
    ANNOUNCEMENTS = "announcements", _("Sending the village's announcements to residents")
    SECURITY = "security", _("Security cameras of the village network")
    ADOPTION = "adoption", _("Counting digital adoption for the commune's criteria report")
    PAYMENTS = "payments", _("Payment codes of business households")
    ACCOUNTABILITY = "accountability", _("Recording who did what (access and change logs)")
    REPORTS = "reports", _("The smart-village criteria report")


class LegalBasis(models.TextChoices):
    """Law 91/2025/QH15: consent (Art. 9) and the cases that need none (docs/privacy.md says
    which article numbers could not be checked against the published text)."""

    CONSENT = "consent", _("Consent of the data subject (Law 91/2025, Art. 9)")
    PUBLIC_TASK = (
        "public_task",
        _("Without consent: a state body's task as the law provides (Law 91/2025)"),
    )
    LEGAL_OBLIGATION = (
        "legal_obligation",
        _("Without consent: an obligation under the law (Law 91/2025)"),
    )


# Who may see a field besides the roles of ``accounts.roles.Role``: these audiences.
OPENED_RECORD = "opened_record"  # a commune official inside a record they opened (logged)
OWN_RECORD = "own_record"  # the person themself (a resident's own household)
PUBLIC_IF_CONSENTED = "public_if_consented"  # everyone, when the person chose so
SUPERUSER = "superuser"  # the deployment's administrator

AUDIENCE_LABELS: dict[str, Any] = {
    OPENED_RECORD: _("Commune official, in a record opened on purpose (logged)"),
    OWN_RECORD: _("The person themself"),
    PUBLIC_IF_CONSENTED: _("Everyone, only where the person consented"),
    SUPERUSER: _("System administrator"),
}


@dataclass(frozen=True)
class PersonalField:
    """Fields of one model that hold personal data, with what the law asks to be recorded."""

    model: str  # "app_label.ModelName"
    fields: tuple[str, ...]
    label: Any
    data_class: str
    purpose: str
    legal_basis: str
    retention: Any
    seen_by: Callable[[], Iterable[str]]
    # The setting that sets the retention, when one does.
    retention_setting: str = ""
    # Who the data is about, when the model is not itself a person (reporter, camera owner...).
    subject: Any = ""

    def audience(self) -> list[str]:
        """Who sees the field, as role codes and the audiences above, in a stable order."""
        from accounts.roles import Role

        order = [*Role.values, OPENED_RECORD, OWN_RECORD, PUBLIC_IF_CONSENTED, SUPERUSER]
        seen = set(self.seen_by()) | {SUPERUSER}
        return [code for code in order if code in seen]


@dataclass(frozen=True)
class NotPersonal:
    """Fields of a model that the completeness rule would ask about, and why they are not
    personal data."""

    model: str
    fields: tuple[str, ...]
    reason: Any


@dataclass
class _Registry:
    personal: list[PersonalField] = field(default_factory=list)
    not_personal: list[NotPersonal] = field(default_factory=list)


REGISTRY = _Registry()


def declare(*entries: PersonalField | NotPersonal) -> None:
    for entry in entries:
        if isinstance(entry, PersonalField):
            REGISTRY.personal.append(entry)
        else:
            REGISTRY.not_personal.append(entry)


def personal_fields() -> list[PersonalField]:
    return list(REGISTRY.personal)


def not_personal_fields() -> list[NotPersonal]:
    return list(REGISTRY.not_personal)


def audience_label(code: str) -> str:
    from accounts.roles import Role

    if code in Role.values:
        return str(Role(code).label)
    return str(AUDIENCE_LABELS[code])
