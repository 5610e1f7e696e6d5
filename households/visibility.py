"""Which personal fields each role sees: the one place that decides it.

HTML pages, the API and exports all ask here. Village heads and officers see everything of
their village; the community digital team sees names and households but no ID numbers,
phones or birth dates (an age is enough for their work lists); security officers see names
and phones; commune officials see figures, and personal records only after opening one
explicitly (logged in ``RecordAccess``); a signed-in resident sees their own household.
"""

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from accounts.roles import Role
from households.access import EDITOR_ROLES

# Fields of a resident that anybody allowed to see the household sees.
BASIC = frozenset({"full_name", "gender", "relationship", "is_head", "joined_on", "left_on"})
ALL_RESIDENT_FIELDS = BASIC | {"birth_date", "age", "national_id", "phone"}

RESIDENT_FIELDS_BY_ROLE: dict[str, frozenset[str]] = {
    Role.VILLAGE_HEAD: ALL_RESIDENT_FIELDS,
    Role.VILLAGE_OFFICER: ALL_RESIDENT_FIELDS,
    Role.DIGITAL_TEAM: BASIC | {"age"},
    Role.SECURITY_OFFICER: BASIC | {"phone"},
    # Commune officials: only inside a record they opened explicitly.
    Role.COMMUNE_OFFICIAL: frozenset(),
    Role.RESIDENT: frozenset(),
}
# What a commune official sees after opening a record, and a resident of their own household.
OPENED_RECORD_FIELDS = ALL_RESIDENT_FIELDS
OWN_HOUSEHOLD_FIELDS = BASIC | {"birth_date", "age", "phone", "national_id"}

# Roles that see the names of residents in lists and search; others see households only.
NAME_ROLES = frozenset(
    role for role, fields in RESIDENT_FIELDS_BY_ROLE.items() if "full_name" in fields
)
# Roles that see who sent a feedback report (name, phone, e-mail): those who answer it.
REPORTER_ROLES: frozenset[str] = frozenset({Role.VILLAGE_HEAD, Role.VILLAGE_OFFICER})
# Roles that may edit the registry.


def resident_fields(roles: Iterable[str], *, superuser: bool = False) -> frozenset[str]:
    """The resident fields a holder of ``roles`` sees in lists, pages, the API and exports."""
    if superuser:
        return ALL_RESIDENT_FIELDS
    visible: set[str] = set()
    for role in roles:
        visible |= RESIDENT_FIELDS_BY_ROLE.get(role, frozenset())
    return frozenset(visible)


def can_search_national_id(roles: Iterable[str], *, superuser: bool = False) -> bool:
    return "national_id" in resident_fields(roles, superuser=superuser)


def can_edit(roles: Iterable[str], *, superuser: bool = False) -> bool:
    return superuser or bool(EDITOR_ROLES & set(roles))


def can_search_names(roles: Iterable[str], *, superuser: bool = False) -> bool:
    """Whether searches and filters may match residents' names: only for roles that see them,
    or a search would tell a role without names which house a named person lives in."""
    return "full_name" in resident_fields(roles, superuser=superuser)


def can_see_reporter(roles: Iterable[str], *, superuser: bool = False) -> bool:
    """Whether the reporter's identity on a feedback report is shown (it is private)."""
    return superuser or bool(REPORTER_ROLES & set(roles))


def fields_of(*, user: Any, village: Any) -> frozenset[str]:
    """The resident fields ``user`` sees in lists of ``village`` (not an opened record)."""
    from accounts.access import roles_in_village

    return resident_fields(
        roles_in_village(user=user, village=village),
        superuser=bool(getattr(user, "is_superuser", False)),
    )


def person_label(record: Any, fields: frozenset[str]) -> str:
    """How a list names ``record``: a resident by name for roles that see names, otherwise
    by household only (a commune official opens the household's record to see more, and
    the opening is logged)."""
    from households.models import Resident

    if isinstance(record, Resident) and "full_name" not in fields:
        return _("A resident of %(household)s") % {"household": record.household}
    return str(record)
