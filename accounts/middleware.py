from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from accounts.roles import ALL_ROLES

CURRENT_VILLAGE_SESSION_KEY = "current_village_id"


class ChosenLanguageMiddleware:
    """Vietnamese unless the user chose another language with the switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language, and most phones
    here report English; the portal speaks Vietnamese first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.codes = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.codes else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.headers.setdefault("Vary", "Cookie")
        return response


def _current_village(request: HttpRequest) -> object:
    from accounts.access import villages_visible_to

    villages = villages_visible_to(user=request.user, roles=ALL_ROLES).select_related(
        "commune__province"
    )
    chosen = request.session.get(CURRENT_VILLAGE_SESSION_KEY)
    if chosen:
        try:
            village = villages.filter(pk=chosen).first()
        except ValidationError:
            village = None
        if village is not None:
            return village
    return villages.current().order_by("name").first()


def _current_roles(request: HttpRequest) -> frozenset[str]:
    from accounts.access import roles_in_village

    village = request.village  # type: ignore[attr-defined]
    if village is None:
        return frozenset()
    return roles_in_village(user=request.user, village=village)


class CurrentVillageMiddleware:
    """Sets ``request.village``, the village the user is working on, and their roles in it.

    The choice is kept in the session and re-checked against the scoping rule on every
    request, so a withdrawn membership takes effect at once.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.village = (  # type: ignore[attr-defined]
            _current_village(request) if request.user.is_authenticated else None
        )
        request.village_roles = _current_roles(request)  # type: ignore[attr-defined]
        return self.get_response(request)


class RequiredTwoFactorMiddleware:
    """Sends holders of the roles in ``MFA_REQUIRED_ROLES`` to set up TOTP before anything else."""

    allowed_prefixes = ("/accounts/", "/static/", "/i18n/", "/healthz")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        required = set(settings.MFA_REQUIRED_ROLES)
        user = request.user
        if (
            required
            and user.is_authenticated
            and not request.path.startswith(self.allowed_prefixes)
            and user.memberships.filter(role__in=required).exists()
            and not user.authenticator_set.exists()
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
