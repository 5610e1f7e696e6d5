from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from accounts.roles import ALL_ROLES

if TYPE_CHECKING:
    from households.models import Village

CURRENT_VILLAGE_SESSION_KEY = "current_village_id"


class ChosenLanguageMiddleware:
    """Vietnamese unless the user chose another language with the switch or a ``?lang=`` link.

    Django's LocaleMiddleware would follow the browser's Accept-Language, and most phones
    here report English; the portal speaks Vietnamese first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.codes = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # An explicit ?lang= (the public pages' links carry it, since those pages are cached
        # and set no cookie) wins over the cookie of the language switch.
        chosen = request.GET.get("lang") or request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in self.codes:
            chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.codes else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        response.headers.setdefault("Vary", "Cookie")
        return response


def _current_village(request: HttpRequest) -> "Village | None":
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


class CurrentVillageMiddleware:
    """Sets ``request.village``, the village the user is working on, and their roles in it.

    The choice is kept in the session and re-checked against the scoping rule on every
    request, so a withdrawn membership takes effect at once.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from accounts.access import set_current_village

        set_current_village(
            request, _current_village(request) if request.user.is_authenticated else None
        )
        return self.get_response(request)


class RequiredTwoFactorMiddleware:
    """Holders of the roles in ``MFA_REQUIRED_ROLES`` set up two-factor login before anything else.

    Until they have, a signed-in session reaches only the sign-in library's own pages
    (signing out, confirming the password, setting up two-factor login) and a few paths that
    show nothing; other pages send them to the set-up, and the API answers 403. The rule
    itself is ``accounts.authn.sufficiently_authenticated``, which the API's authentication
    classes and the WebSocket middleware below apply as well.
    """

    allowed_prefixes = ("/static/", "/i18n/", "/healthz")
    library_packages = ("allauth.",)

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        from accounts.authn import sufficiently_authenticated

        user = request.user
        if not settings.MFA_REQUIRED_ROLES or not user.is_authenticated:
            return None
        if request.path.startswith(self.allowed_prefixes):
            return None
        module = getattr(view, "__module__", "") or ""
        if module.startswith(self.library_packages):
            return None
        if sufficiently_authenticated(user):
            return None
        if request.path.startswith("/api/"):
            from accounts.api_auth import TWO_FACTOR_MESSAGE

            return JsonResponse({"detail": str(TWO_FACTOR_MESSAGE)}, status=403)
        return redirect(reverse("mfa_activate_totp"))


class RequiredTwoFactorWebSocketMiddleware:
    """The same rule for WebSocket handshakes: a session that does not meet it is anonymous
    to every consumer, which then refuses it as it refuses anyone not signed in.

    Goes inside Channels' ``AuthMiddlewareStack``, which has resolved ``scope["user"]``.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        from channels.db import database_sync_to_async
        from django.contrib.auth.models import AnonymousUser

        from accounts.authn import sufficiently_authenticated

        user = scope.get("user")
        if getattr(user, "is_authenticated", False) and not await database_sync_to_async(
            sufficiently_authenticated
        )(user):
            scope = dict(scope, user=AnonymousUser())
        return await self.inner(scope, receive, send)
