"""Who records digital adoption, and the one way views and the API reach what they record."""

from typing import Any

from accounts.access import access_object, village_role_required
from accounts.roles import Role
from households.models import Household
from payments.models import PaymentCode

RECORDER_ROLES = frozenset({Role.VILLAGE_HEAD, Role.VILLAGE_OFFICER, Role.DIGITAL_TEAM})
recorder_required = village_role_required(RECORDER_ROLES)


def access_household(*, user: Any, pk: Any) -> Household:
    """A household to record adoption for: 404 if not the user's, 403 for other roles."""
    return access_object(
        Household.objects.alive().select_related("lane", "village"),
        user=user,
        roles=RECORDER_ROLES,
        pk=pk,
    )


def access_payment_code(*, user: Any, pk: Any) -> PaymentCode:
    """A payment QR code: 404 if not the user's, 403 for roles that do not record."""
    return access_object(
        PaymentCode.objects.select_related("village", "household__lane"),
        user=user,
        roles=RECORDER_ROLES,
        pk=pk,
    )
