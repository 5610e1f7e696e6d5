"""Who records digital adoption, and the one way views and the API reach what they record."""

from typing import Any

from accounts.access import access_object, require_roles, village_role_required
from accounts.roles import Role
from households.models import Household
from payments.models import PaymentCode

RECORDER_ROLES = frozenset({Role.VILLAGE_HEAD, Role.VILLAGE_OFFICER, Role.DIGITAL_TEAM})
recorder_required = village_role_required(RECORDER_ROLES)


def access_household(*, user: Any, pk: Any) -> Household:
    """A household to record adoption for: 404 unless it is in a village where ``user`` is
    staff (a resident sees no registry record this way), 403 for staff who do not record."""
    household = access_object(
        Household.objects.alive().select_related("lane", "village"), user=user, pk=pk
    )
    require_roles(user=user, village=household.village, roles=RECORDER_ROLES)
    return household


def access_payment_code(*, user: Any, pk: Any) -> PaymentCode:
    """A payment QR code: 404 unless in a village where ``user`` is staff, 403 for staff who
    do not record."""
    code = access_object(
        PaymentCode.objects.select_related("village", "household__lane"), user=user, pk=pk
    )
    require_roles(user=user, village=code.village, roles=RECORDER_ROLES)
    return code
