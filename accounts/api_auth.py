"""Authentication of the API: a session or a personal token, under the portal's sign-in rule.

Both classes refuse a caller that ``accounts.authn`` does not let past the sign-in pages (a
role that requires two-factor login, without it), so that no view, whatever permissions it
declares, can be reached around that rule.
"""

from hmac import compare_digest
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.authn import may_hold_api_token, sufficiently_authenticated

TWO_FACTOR_MESSAGE = _(
    "Your role requires two-factor login: turn it on in the portal (Two-factor login) "
    "before using the API."
)


def _check(user: Any) -> None:
    if not sufficiently_authenticated(user):
        raise exceptions.PermissionDenied(TWO_FACTOR_MESSAGE)


class TokenAuthentication(KnoxTokenAuthentication):
    """``Authorization: Token <token>``; refused once expired, after a change of password,
    when the user no longer holds a role that may have a token, or without the required
    two-factor login."""

    def validate_user(self, auth_token: Any) -> tuple[Any, Any]:
        user, token = super().validate_user(auth_token)
        if not compare_digest(token.password_fingerprint, user.get_session_auth_hash()):
            token.delete()
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not may_hold_api_token(user):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        _check(user)
        return user, token


class SessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is not None:
            _check(result[0])
        return result


class TokenSchemeDoc(KnoxTokenScheme):
    """The token scheme in the OpenAPI schema (``Authorization: Token <token>``)."""

    target_class = "accounts.api_auth.TokenAuthentication"
    name = "tokenAuth"


class SessionSchemeDoc(SessionScheme):
    target_class = "accounts.api_auth.SessionAuthentication"
