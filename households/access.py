"""Who may change the registry, and the one way the registry's pages reach its rows."""

from typing import Any

from accounts.access import access_object, require_roles, village_role_required
from accounts.roles import STAFF_ROLES, Role
from households.models import Household, Resident

# Who changes the registry (households, residents, lanes, imports); other staff read it.
EDITOR_ROLES: frozenset[str] = frozenset({Role.VILLAGE_HEAD, Role.VILLAGE_OFFICER})

editor_required = village_role_required(EDITOR_ROLES)


def access_household(*, user: Any, pk: Any, roles: frozenset[str] = STAFF_ROLES) -> Household:
    """A household of the user's villages (404 otherwise), if they hold one of ``roles`` there."""
    household = access_object(
        Household.objects.alive().select_related("lane", "village__commune"), user=user, pk=pk
    )
    require_roles(user=user, village=household.village, roles=roles)
    return household


def access_resident(*, user: Any, pk: Any) -> Resident:
    """A current resident of the user's villages (404 otherwise), if they may edit it (403)."""
    resident = access_object(
        Resident.objects.current().select_related("household__village", "household__lane"),
        user=user,
        pk=pk,
    )
    require_roles(user=user, village=resident.household.village, roles=EDITOR_ROLES)
    return resident
