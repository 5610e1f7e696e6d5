"""Roles and what each may do; imported by models of other apps, so it imports no models."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VILLAGE_HEAD = "village_head", _("Village head")
    VILLAGE_OFFICER = "village_officer", _("Village officer")
    DIGITAL_TEAM = "digital_team", _("Community digital team")
    SECURITY_OFFICER = "security_officer", _("Security officer")
    COMMUNE_OFFICIAL = "commune_official", _("Commune official")
    RESIDENT = "resident", _("Resident")


# A commune role is held over a commune and sees all of its villages; every other role is
# held over one village.
COMMUNE_ROLES = frozenset({Role.COMMUNE_OFFICIAL})
VILLAGE_ROLES = frozenset(set(Role) - COMMUNE_ROLES)
STAFF_ROLES = frozenset(set(Role) - {Role.RESIDENT})
ALL_ROLES = frozenset(Role)
# Who may make a personal API token: staff, whose programs read and write village data.
API_TOKEN_ROLES = STAFF_ROLES

# Who may invite whom: a village head builds the village team, a commune official appoints
# village heads. Nobody signs up as staff on their own.
INVITABLE_ROLES: dict[str, frozenset[str]] = {
    Role.VILLAGE_HEAD: frozenset(
        {Role.VILLAGE_OFFICER, Role.DIGITAL_TEAM, Role.SECURITY_OFFICER, Role.RESIDENT}
    ),
    Role.COMMUNE_OFFICIAL: frozenset({Role.VILLAGE_HEAD}),
}
INVITER_ROLES = frozenset(INVITABLE_ROLES)
