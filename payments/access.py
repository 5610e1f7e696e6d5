"""Who records digital adoption, and the one way views and the API reach what they record."""

from typing import Any

from accounts.access import access_object, require_roles, village_role_required
from accounts.roles import Role
from households.models import Household
from payments.models import PaymentCode

RECORDER_ROLES = frozenset({Role.VILLAGE_HEAD, Role.VILLAGE_OFFICER, Role.DIGITAL_TEAM})
recorder_required = village_role_required(RECORDER_ROLES)


def access_household(*, user: Any, pk: Any) -> Household:
    """A household of the user's villages (404 otherwise), if they record adoption there (403)."""
    household = access_object(
        Household.objects.alive().select_related("lane", "village"), user=user, pk=pk
    )
    require_roles(user=user, village=household.village, roles=RECORDER_ROLES)
    return household


def access_payment_code(*, user: Any, pk: Any) -> PaymentCode:
    """A payment QR code of the user's villages (404 otherwise), for recorders only (403)."""
    code = access_object(
        PaymentCode.objects.select_related("village", "household__lane"), user=user, pk=pk
    )
    require_roles(user=user, village=code.village, roles=RECORDER_ROLES)
    return code
