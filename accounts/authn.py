"""How far a signed-in caller may go: the one rule that pages, the API (session and token),
WebSocket consumers and token creation all apply.

Holders of a role listed in ``MFA_REQUIRED_ROLES`` must have two-factor login turned on.
Once it is on, django-allauth asks every sign-in for the code, and a token can only be made
from such a session; until it is on, their sessions reach only the sign-in library's pages
(to set it up) and their tokens are refused.
"""

from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings

from accounts.roles import API_TOKEN_ROLES

# What counts as a second factor (recovery codes only back one up).
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def two_factor_required(user: Any) -> bool:
    required = set(settings.MFA_REQUIRED_ROLES)
    return bool(required) and user.memberships.filter(role__in=required).exists()


def has_second_factor(user: Any) -> bool:
    return user.authenticator_set.filter(type__in=SECOND_FACTORS).exists()


def sufficiently_authenticated(user: Any) -> bool:
    """Whether ``user`` (from a session or a token) may use the portal beyond signing in."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if not settings.MFA_REQUIRED_ROLES:
        return True
    return not two_factor_required(user) or has_second_factor(user)


def may_hold_api_token(user: Any) -> bool:
    """API tokens are for the roles whose work a program does (staff), not for residents."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.memberships.filter(role__in=API_TOKEN_ROLES).exists()
