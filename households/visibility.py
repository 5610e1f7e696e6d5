"""Which personal fields each role sees: the one place that decides it.

HTML pages, the API and exports all ask here. Village heads and officers see everything of
their village; the community digital team sees names and households but no ID numbers,
phones or birth dates (an age is enough for their work lists); security officers see names
and phones; commune officials see figures, and personal records only after opening one
explicitly (logged in ``RecordAccess``); a signed-in resident sees their own household.
"""

from collections.abc import Iterable

from accounts.roles import Role

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
# Roles that may edit the registry.
EDITOR_ROLES = frozenset({Role.VILLAGE_HEAD, Role.VILLAGE_OFFICER})


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
