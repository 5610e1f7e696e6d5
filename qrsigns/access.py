"""Who edits signs and heritage pages, and the one way the staff pages reach them."""

from typing import Any

from django.http import Http404

from accounts.access import access_object, require_roles, village_role_required
from accounts.roles import STAFF_ROLES
from households.access import EDITOR_ROLES
from qrsigns.models import HeritageSite, Sign, normalise_code

# The registry's editors also edit the village's signs and heritage pages.
__all__ = ["EDITOR_ROLES", "access_heritage_site", "access_sign", "editor_required"]

editor_required = village_role_required(EDITOR_ROLES)


def access_sign(*, user: Any, code: str, roles: frozenset[str] = STAFF_ROLES) -> Sign:
    """A sign of the user's villages by its code (404 otherwise), if they hold ``roles``."""
    canonical = normalise_code(code)
    if canonical is None:
        raise Http404
    sign = access_object(
        Sign.objects.select_related("village__commune", "lane", "heritage_site", "household__lane"),
        user=user,
        code=canonical,
    )
    require_roles(user=user, village=sign.village, roles=roles)
    return sign


def access_heritage_site(
    *, user: Any, pk: Any, roles: frozenset[str] = EDITOR_ROLES
) -> HeritageSite:
    """A heritage site of the user's villages (404 otherwise), if they hold ``roles`` (403)."""
    site = access_object(HeritageSite.objects.select_related("village"), user=user, pk=pk)
    require_roles(user=user, village=site.village, roles=roles)
    return site
