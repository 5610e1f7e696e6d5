from typing import Any

from django.http import HttpRequest

from accounts.roles import ALL_ROLES, INVITER_ROLES, STAFF_ROLES, Role


def workspace(request: HttpRequest) -> dict[str, Any]:
    """The current village, the user's roles in it and the villages they can switch to."""
    village = getattr(request, "village", None)
    roles: frozenset[str] = getattr(request, "village_roles", frozenset())
    user = getattr(request, "user", None)
    if village is None or user is None or not user.is_authenticated:
        return {
            "current_village": village,
            "current_roles": [],
            "is_village_staff": False,
            "may_invite": False,
        }
    from accounts.access import villages_visible_to

    return {
        "current_village": village,
        "current_roles": [Role(role).label for role in Role if role in roles],
        "is_village_staff": bool(roles & STAFF_ROLES),
        # The menu offers the team page only to those it does not refuse.
        "may_invite": bool(roles & INVITER_ROLES),
        "switchable_villages": villages_visible_to(user=user, roles=ALL_ROLES)
        .current()
        .select_related("commune")
        .order_by("commune__name", "name"),
    }
