"""Who may do what with cameras."""

from accounts.access import village_role_required
from accounts.roles import STAFF_ROLES, Role

# Manage the registry, see addresses, look at streams and snapshots: the security officers
# and the village head. Other staff see the cameras and their status, never an address.
MANAGER_ROLES = frozenset({Role.SECURITY_OFFICER, Role.VILLAGE_HEAD})
READER_ROLES = STAFF_ROLES

manager_required = village_role_required(MANAGER_ROLES)
reader_required = village_role_required(READER_ROLES)


def is_manager(roles: frozenset[str], *, superuser: bool = False) -> bool:
    return superuser or bool(roles & MANAGER_ROLES)
