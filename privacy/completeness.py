"""The rule that keeps the register complete: which fields must be classified.

A field must be declared either personal (``PersonalField``) or not (``NotPersonal``) when

1. its name says it could hold personal data, on any model of the project's apps (a name,
   phone, e-mail, address, ID number, birth date, photo or image, location, IP address,
   account or user id, a note, comment, description, answer or free text, a payload, a file);
   or
2. it can hold free text, a file, an address or a location (CharField without fixed choices,
   TextField, JSONField, EmailField, GenericIPAddressField, FileField, ImageField,
   latitude/longitude) on a model that is about a person or a household: the person models
   themselves, or any model with a foreign key to one of them.

A change-history table (django-pghistory's ``<Model>Event``) copies its tracked model's
fields: it inherits that model's classification and needs none of its own.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.db import models

from privacy.registry import NotPersonal, PersonalField, not_personal_fields, personal_fields

# The apps whose models the register covers.
APPS = (
    "accounts",
    "households",
    "qrsigns",
    "feedback",
    "announcements",
    "cameras",
    "payments",
    "reports",
    "privacy",
)
PERSON_MODELS = frozenset({"accounts.User", "households.Resident", "households.Household"})

PERSONAL_NAME = re.compile(
    r"name|phone|mail|address|national|id_number|identity|passport|birth|gender|photo|image"
    r"|picture|avatar|latitude|longitude|location|geometry|position|\bip\b|^ip$|_ip$|ip_"
    r"|account|user_id|follower|subscriber|endpoint|device|token|note|comment|description"
    r"|answer|text|body|payload|reason|file|document|evidence|sketch|audio|credential|contact"
    r"|relationship|bank|card|health|religion|ethnic"
)
FREE_TYPES = (
    models.TextField,
    models.JSONField,
    models.EmailField,
    models.GenericIPAddressField,
    models.FileField,
)
# Machinery of the history tables and of Django's own models, never personal by itself.
MACHINERY = frozenset({"id", "pgh_id", "pgh_label", "pgh_created_at"})


@dataclass(frozen=True)
class Unclassified:
    model: str
    field: str
    app: str

    def __str__(self) -> str:
        return (
            f"{self.model}.{self.field}: declare it in {self.app}/privacy.py as a "
            f'PersonalField("{self.model}", ("{self.field}",), ...) or '
            f'NotPersonal("{self.model}", ("{self.field}",), reason=...)'
        )


def _is_about_a_person(model: type[models.Model]) -> bool:
    if model._meta.label in PERSON_MODELS:
        return True
    return any(
        f.is_relation
        and isinstance(f.related_model, type)
        and f.related_model._meta.label in PERSON_MODELS
        for f in model._meta.concrete_fields
    )


def must_classify(model: type[models.Model], f: models.Field) -> bool:
    """Whether the rule asks for a classification of ``f`` on ``model``."""
    if f.is_relation or f.name in MACHINERY or f.primary_key:
        return False
    if PERSONAL_NAME.search(f.name):
        return True
    if not _is_about_a_person(model):
        return False
    if isinstance(f, FREE_TYPES):
        return True
    return isinstance(f, models.CharField) and not f.choices


def tracked_model(model: type[models.Model]) -> type[models.Model] | None:
    """The model a pghistory event table copies, or None."""
    try:
        obj = model._meta.get_field("pgh_obj")
    except Exception:
        return None
    related = getattr(obj, "related_model", None)
    return related if isinstance(related, type) else None


def classified(
    personal: Iterable[PersonalField], not_personal: Iterable[NotPersonal]
) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for entry in personal:
        found.update((entry.model, name) for name in entry.fields)
    for excused in not_personal:
        found.update((excused.model, name) for name in excused.fields)
    return found


def unclassified(
    model_list: Iterable[type[models.Model]] | None = None,
    *,
    personal: Iterable[PersonalField] | None = None,
    not_personal: Iterable[NotPersonal] | None = None,
) -> list[Unclassified]:
    """The fields the rule asks about that no declaration covers."""
    if model_list is None:
        model_list = [m for app in APPS for m in apps.get_app_config(app).get_models()]
    known = classified(
        personal_fields() if personal is None else personal,
        not_personal_fields() if not_personal is None else not_personal,
    )
    missing = []
    for model in model_list:
        source = tracked_model(model)
        label = model._meta.label
        for f in model._meta.concrete_fields:
            if not must_classify(model, f):
                continue
            if source is not None and (source._meta.label, f.name) in known:
                continue
            if (label, f.name) not in known:
                missing.append(Unclassified(label, f.name, model._meta.app_label))
    return missing


def stale(
    personal: Iterable[PersonalField] | None = None,
    not_personal: Iterable[NotPersonal] | None = None,
) -> list[str]:
    """Declarations that name a model or field that does not exist (a renamed field)."""
    wrong = []
    for model_label, name in sorted(
        classified(
            personal_fields() if personal is None else personal,
            not_personal_fields() if not_personal is None else not_personal,
        )
    ):
        try:
            apps.get_model(model_label)._meta.get_field(name)
        except (LookupError, Exception):
            wrong.append(f"{model_label}.{name}")
    return wrong
