"""Who writes announcements, and the one way views reach an announcement or group to change."""

from typing import Any

from accounts.access import access_object, require_roles, village_role_required
from accounts.roles import Role
from announcements.models import Announcement, Group

WRITER_ROLES: frozenset[str] = frozenset({Role.VILLAGE_HEAD, Role.VILLAGE_OFFICER})
# Who approves and sends an announcement written by someone else.
APPROVER_ROLES: frozenset[str] = frozenset({Role.VILLAGE_HEAD})
writer_required = village_role_required(WRITER_ROLES)


def access_announcement(
    *, user: Any, pk: Any, roles: frozenset[str] = WRITER_ROLES
) -> Announcement:
    """An announcement of a village where ``user`` is staff (404 otherwise), if they hold
    ``roles`` there (403 otherwise)."""
    announcement = access_object(Announcement.objects.all(), user=user, pk=pk)
    require_roles(user=user, village=announcement.village, roles=roles)
    return announcement


def access_group(*, user: Any, pk: Any) -> Group:
    """A group to change: 404 unless the user is staff of its village, 403 unless a writer."""
    group = access_object(Group.objects.prefetch_related("members"), user=user, pk=pk)
    require_roles(user=user, village=group.village, roles=WRITER_ROLES)
    return group
