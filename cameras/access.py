"""Who may do what with cameras."""

from typing import Any

from accounts.access import access_object, require_roles, village_role_required
from accounts.roles import STAFF_ROLES, Role
from cameras.models import Camera

# Manage the registry, see addresses, look at streams and snapshots: the security officers
# and the village head. Other staff see the cameras and their status, never an address.
MANAGER_ROLES = frozenset({Role.SECURITY_OFFICER, Role.VILLAGE_HEAD})
READER_ROLES = STAFF_ROLES

manager_required = village_role_required(MANAGER_ROLES)
reader_required = village_role_required(READER_ROLES)


def access_camera(*, user: Any, pk: Any, roles: frozenset[str] = READER_ROLES) -> Camera:
    """A camera of the user's villages (404 otherwise), if they hold one of ``roles`` there."""
    camera = access_object(
        Camera.objects.select_related("village", "lane", "household__lane", "state"),
        user=user,
        pk=pk,
    )
    require_roles(user=user, village=camera.village, roles=roles)
    return camera


def is_manager(roles: frozenset[str], *, superuser: bool = False) -> bool:
    return superuser or bool(roles & MANAGER_ROLES)
