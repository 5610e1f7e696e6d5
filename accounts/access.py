"""Access helpers: the one way views, the API, tasks and consumers reach village data.

A village that is not the user's answers 404 exactly like one that does not exist; a role
that may read but not do the thing answers 403.
"""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from accounts.roles import ALL_ROLES, COMMUNE_ROLES, INVITER_ROLES, STAFF_ROLES
from households.models import Village, VillageQuerySet

M = TypeVar("M", bound=Model)


def _attributes(request: Any) -> dict[str, Any]:
    # A REST framework Request wraps Django's; the middleware set the attributes on the latter.
    return vars(getattr(request, "_request", request))


def set_current_village(request: HttpRequest, village: Village | None) -> None:
    """Record the village the user works on in this request, and their roles in it."""
    roles = frozenset() if village is None else roles_in_village(user=request.user, village=village)
    _attributes(request).update(village=village, village_roles=roles)


def current_village_or_none(request: HttpRequest | Any) -> Village | None:
    """The village the signed-in user works on (``CurrentVillageMiddleware``), if any."""
    return _attributes(request)["village"]


def current_village(request: HttpRequest | Any) -> Village:
    """The village a village page works on; 404 for a user who works on none.

    Village pages are reached through ``village_role_required``, which already refuses a
    user without the role in the current village; the 404 is for any other way in.
    """
    village = current_village_or_none(request)
    if village is None:
        raise Http404
    return village


def village_roles(request: HttpRequest | Any) -> frozenset[str]:
    """The user's roles in ``current_village(request)``; empty without a village."""
    return _attributes(request)["village_roles"]


def villages_visible_to(*, user: Any, roles: frozenset[str] = STAFF_ROLES) -> VillageQuerySet:
    return Village.objects.visible_to(user, roles)


def roles_in_village(*, user: Any, village: Village) -> frozenset[str]:
    """Every role ``user`` holds in ``village``, directly or through its commune."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    roles = set(user.memberships.filter(village=village).values_list("role", flat=True)) | set(
        user.memberships.filter(commune_id=village.commune_id, role__in=COMMUNE_ROLES).values_list(
            "role", flat=True
        )
    )
    return frozenset(roles)


def access_village(*, user: Any, village_id: Any, roles: frozenset[str] = STAFF_ROLES) -> Village:
    """The village if ``user`` holds one of ``roles`` in it, otherwise 404."""
    try:
        return (
            villages_visible_to(user=user, roles=roles)
            .select_related("commune__province")
            .get(pk=village_id)
        )
    except (Village.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404 from exc


def access_object(
    queryset: QuerySet[M], *, user: Any, roles: frozenset[str] | None = None, **lookup: Any
) -> M:
    """Fetch a village-owned object through its queryset's ``visible_to``; 404 if not visible.

    With ``roles``, the object is found among those of every village where ``user`` holds any
    role (404 otherwise, exactly as for an object that does not exist), and then 403 unless
    ``user`` holds one of ``roles`` where the object belongs. Routes that name an object use
    this rather than a decorator checking the role in the current village first, which would
    answer 403 to staff of another village for an object that is not theirs.
    """
    try:
        if roles is None:
            return get_object_or_404(queryset.visible_to(user), **lookup)  # type: ignore[attr-defined]
        found = get_object_or_404(queryset.visible_to(user, ALL_ROLES), **lookup)  # type: ignore[attr-defined]
    except (ValidationError, ValueError, TypeError) as exc:
        raise Http404 from exc
    if not queryset.visible_to(user, roles).filter(pk=found.pk).exists():  # type: ignore[attr-defined]
        raise PermissionDenied
    return found


def require_roles(*, user: Any, village: Village, roles: Iterable[str]) -> None:
    """403 unless ``user`` holds one of ``roles`` in ``village`` (a superuser always may)."""
    if getattr(user, "is_superuser", False):
        return
    if not roles_in_village(user=user, village=village) & frozenset(roles):
        raise PermissionDenied


def village_role_required(
    roles: frozenset[str] = STAFF_ROLES,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """For views of the current village: sign-in required, then 403 without one of ``roles``.

    A signed-in user with no village at all (for example a resident whose household is not
    registered yet) is refused with 403 as well.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            village = current_village_or_none(request)
            if village is None:
                raise PermissionDenied
            require_roles(user=request.user, village=village, roles=roles)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


staff_required = village_role_required(STAFF_ROLES)
member_required = village_role_required(ALL_ROLES)


# Who may invite people to a village's team.
inviter_required = village_role_required(INVITER_ROLES)
