"""The access matrix: every route of the project, who may use it, and proof that others can't.

A new route fails ``test_every_route_is_declared`` until it is added to ``MATRIX`` with the
actors allowed to use it. For each declared route, every actor is tried: those allowed must
get through, anonymous users are sent to the login page, a signed-in user without the role
gets 403, and a user of another village gets 404 on that village's objects.
"""

import fnmatch
import os
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from tests.access import (
    ANON,
    ANY_STAFF,
    COMMUNE,
    DIGITAL,
    EDITORS_ANYWHERE,
    EVERYONE,
    HEAD,
    INVITERS,
    OFFICER,
    OUR_EDITORS,
    OUR_STAFF,
    OUTSIDER,
    RESIDENT,
    SECURITY,
    SIGNED_IN,
    SUPER,
    Rule,
)
from tests.announcements import matrix as announcements_matrix
from tests.cameras import matrix as cameras_matrix
from tests.factories import InvitationFactory, ResidentFactory
from tests.feedback import matrix as feedback_matrix
from tests.households.matrix_io import MATRIX_IO
from tests.payments import matrix as payments_matrix
from tests.privacy import matrix as privacy_matrix
from tests.qrsigns import matrix as qrsigns_matrix
from tests.reports import matrix as reports_matrix
from tests.urls_walk import FoundRoute, walk


def _public_file() -> dict[str, Any]:
    from django.conf import settings

    folder = os.path.join(settings.MEDIA_ROOT, "public", "matrix")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "lane.jpg"), "wb") as handle:
        handle.write(b"\xff\xd8\xff\xd9")
    return {"path": "matrix/lane.jpg"}


def _pending_invitation(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"pk": InvitationFactory(village=ctx["village"]).pk}


def _accept_token(ctx: dict[str, Any]) -> dict[str, Any]:
    invitation = InvitationFactory.build(village=ctx["village"])
    token = "matrix-" + str(id(invitation))
    import hashlib

    invitation.token_hash = hashlib.sha256(token.encode()).hexdigest()
    invitation.save()
    return {"token": token}


def _registry_object(allowed: frozenset[str], **options: Any) -> Rule:
    """A registry object: 404 to other villages and to residents, 403 to staff without the role."""
    return Rule(allowed, scoped=True, resident_refusal="not_found", **options)


def _household(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"pk": ctx["household"].pk}


def _member(ctx: dict[str, Any]) -> dict[str, Any]:
    """A fresh member for each request: an allowed actor may have moved the previous one."""
    return {"pk": ResidentFactory(household=ctx["household"], full_name="Lê Thị Thu").pk}


def _village(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"pk": str(ctx["village"].pk)}


def _lane(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"pk": ctx["lane"].pk}


MATRIX: dict[str, Rule] = {
    # public pages and the sign-in flow
    "home": Rule(EVERYONE),
    "healthz": Rule(EVERYONE),
    "favicon": Rule(EVERYONE),
    "manifest": Rule(EVERYONE),
    "public_media": Rule(EVERYONE, kwargs=lambda ctx: _public_file()),
    "set_language": Rule(
        EVERYONE, method="POST", data={"language": "en", "next": "/"}, get_redirects=True
    ),
    "invitation_accept": Rule(EVERYONE, kwargs=_accept_token),
    "api_schema": Rule(EVERYONE),
    "api_docs": Rule(EVERYONE),
    # one's own account; API tokens are for staff only
    "api_token": Rule(ANY_STAFF),
    # a key that is not the caller's answers 404 to everyone, as one that does not exist
    "api_token_revoke": Rule(
        SIGNED_IN, method="POST", kwargs=lambda ctx: {"key": "no-such-key"}, absent_ok=True
    ),
    "village_switch": Rule(SIGNED_IN - {OUTSIDER}, method="POST", scoped=True),
    # village work
    "dashboard": Rule(ANY_STAFF),
    "invitation_list": Rule(INVITERS),
    "invitation_create": Rule(INVITERS, method="POST", data={"full_name": ""}),
    "invitation_revoke": Rule(
        INVITERS - {OUTSIDER}, method="POST", kwargs=_pending_invitation, scoped=True
    ),
    # API
    "api:api-root": Rule(SIGNED_IN, api=True),
    "api:me": Rule(SIGNED_IN, api=True),
    "api:village-list": Rule(SIGNED_IN, api=True),
    "api:village-detail": Rule(
        OUR_STAFF, api=True, kwargs=_village, scoped=True, insider_refusal="not_found"
    ),
    "api:lane-list": Rule(SIGNED_IN, api=True),
    "api:lane-detail": Rule(
        OUR_STAFF, api=True, kwargs=_lane, scoped=True, insider_refusal="not_found"
    ),
    # the registry
    "my_household": Rule(SIGNED_IN, absent_ok=True),
    "my_household_consent": Rule(SIGNED_IN, method="POST", absent_ok=True),
    "household_list": Rule(ANY_STAFF),
    "household_map": Rule(ANY_STAFF),
    "household_create": Rule(EDITORS_ANYWHERE),
    "household_detail": _registry_object(OUR_STAFF, kwargs=_household),
    "household_edit": _registry_object(OUR_EDITORS, kwargs=_household),
    "household_status": _registry_object(OUR_EDITORS, kwargs=_household),
    "household_consent": _registry_object(OUR_EDITORS, kwargs=_household),
    "household_delete": _registry_object(OUR_EDITORS, kwargs=_household),
    "household_change_head": _registry_object(OUR_EDITORS, kwargs=_household),
    "household_split": _registry_object(OUR_EDITORS, kwargs=_household),
    "household_merge": _registry_object(OUR_EDITORS, kwargs=_household),
    "household_open": _registry_object(
        frozenset({COMMUNE, SUPER}),
        method="POST",
        kwargs=_household,
        data={"reason": "Kiểm tra hồ sơ"},
    ),
    "resident_add": _registry_object(OUR_EDITORS, kwargs=_household),
    "resident_edit": _registry_object(OUR_EDITORS, kwargs=_member),
    "resident_leave": _registry_object(OUR_EDITORS, kwargs=_member),
    "resident_move": _registry_object(OUR_EDITORS, kwargs=_member),
    "resident_delete": _registry_object(OUR_EDITORS, kwargs=_member),
    "lane_list": Rule(ANY_STAFF),
    "lane_create": Rule(EDITORS_ANYWHERE, method="POST", data={"name": ""}),
    "lane_rename": _registry_object(OUR_EDITORS, method="POST", kwargs=_lane, data={"name": ""}),
    "lane_edit": _registry_object(OUR_EDITORS, kwargs=_lane),
    # registry import and export
    **MATRIX_IO,
    **qrsigns_matrix.MATRIX,
    **feedback_matrix.MATRIX,
    **announcements_matrix.MATRIX,
    **cameras_matrix.MATRIX,
    **payments_matrix.MATRIX,
    **reports_matrix.MATRIX,
    **privacy_matrix.MATRIX,
    # registry API
    "api:household-list": Rule(SIGNED_IN, api=True),
    "api:household-detail": _registry_object(OUR_STAFF, api=True, kwargs=_household),
    **{
        f"api:household-{name}": _registry_object(
            OUR_EDITORS, api=True, method="POST", kwargs=_household
        )
        for name in ("change-head", "consent", "delete", "merge", "set-status", "split")
    },
    "api:resident-list": Rule(SIGNED_IN, api=True),
    "api:resident-detail": _registry_object(OUR_STAFF, api=True, kwargs=_member),
    **{
        f"api:resident-{name}": _registry_object(
            OUR_EDITORS, api=True, method="POST", kwargs=_member
        )
        for name in ("delete", "leave", "move")
    },
    # administration, for superusers only
    "admin:logout": Rule(EVERYONE),
    "admin:*": Rule(frozenset({SUPER}), admin=True),
    "admin/*": Rule(frozenset({SUPER}), admin=True),
}


@dataclass(frozen=True)
class Family:
    """Routes a library brings with it: its views' package and a pattern of their paths."""

    package: str
    path: str
    rule: Rule

    def covers(self, route: FoundRoute) -> bool:
        return (
            route.module == self.package or route.module.startswith(self.package + ".")
        ) and fnmatch.fnmatchcase(route.pattern, self.path)


# The sign-in library's routes, declared by family: a release that adds a route inside a family
# (django-allauth 65.22 added accounts/reauthenticate/code/) is covered by its family's rule and
# still tried for every actor, while a route of ours, or a library route outside every family,
# must be declared above by name. The first family that covers a route decides.
LIBRARY_FAMILIES: list[Family] = [
    # steps of signing in: reachable by all, they show nothing private
    Family("allauth.account", "accounts/login/?*", Rule(EVERYONE, login_flow=True)),
    Family("allauth.account", "accounts/phone/verify/*", Rule(EVERYONE, login_flow=True)),
    Family("allauth.mfa", "accounts/2fa/authenticate/*", Rule(EVERYONE, login_flow=True)),
    # public: signing in and out, password reset, e-mail confirmation, the closed sign-up page
    *(
        Family("allauth.account", path, Rule(EVERYONE))
        for path in (
            "accounts/login/",
            "accounts/logout/*",
            "accounts/inactive/*",
            "accounts/signup/*",
            "accounts/confirm-email/*",
            "accounts/^confirm-email/*",
            "accounts/password/reset/*",
            "accounts/^password/reset/*",
        )
    ),
    # one's own account: e-mail, password, phone, confirming it is still you
    Family("allauth.account", "accounts/*", Rule(SIGNED_IN)),
    # two-factor login: set-up pages exist once a method is on (absent_ok)
    Family("allauth.mfa", "accounts/2fa/*", Rule(SIGNED_IN, absent_ok=True)),
]


# Sample values for URL parameters that no rule supplies (admin object ids and the like).
SAMPLE_PARAMS = {
    "object_id": "1",
    "id": "1",
    "content_type_id": "1",
    "app_label": "accounts",
    "url": "no-such-page/",
    "format": "json",
    "key": "not-a-key",
    "uidb36": "zz",
}


def rule_for(route: FoundRoute) -> Rule | None:
    if route.key in MATRIX:
        return MATRIX[route.key]
    for pattern, rule in MATRIX.items():
        if "*" in pattern and fnmatch.fnmatchcase(route.key, pattern):
            return rule
    for family in LIBRARY_FAMILIES:
        if family.covers(route):
            return family.rule
    return None


def test_a_library_family_covers_only_the_librarys_routes() -> None:
    """A route of ours under accounts/ is not covered by the sign-in library's families."""
    ours, library = (
        FoundRoute(key=name, name=name, pattern=pattern, params=(), module=module)
        for name, pattern, module in (
            ("api_token", "accounts/api-token/", "accounts.views"),
            ("account_new_thing", "accounts/new-thing/", "allauth.account.views"),
        )
    )
    assert not any(family.covers(ours) for family in LIBRARY_FAMILIES)
    assert rule_for(library) is not None
    assert MATRIX.get("api_token") is not None


def test_every_route_is_declared() -> None:
    missing = [f"{r.key}  ({r.pattern})" for r in walk() if rule_for(r) is None]
    assert not missing, "Routes missing from the access matrix:\n" + "\n".join(missing)


def test_the_matrix_names_no_route_that_does_not_exist() -> None:
    keys = {r.key for r in walk()}
    stale = [k for k in MATRIX if "*" not in k and k not in keys]
    assert not stale, f"Matrix entries without a route: {stale}"


def _url(route: FoundRoute, rule: Rule, ctx: dict[str, Any]) -> str:
    kwargs = dict(rule.kwargs(ctx)) if rule.kwargs else {}
    for param in route.params:
        if param not in kwargs:
            kwargs[param] = SAMPLE_PARAMS[param]
    if route.name is None:
        # Unnamed routes (admin's redirects): fill the parameters into the pattern.
        path = route.pattern
        for param in route.params:
            path = path.replace(f"<path:{param}>", kwargs[param]).replace(
                f"(?P<{param}>.*)$", kwargs[param]
            )
        return "/" + path
    return reverse(route.name, kwargs={k: kwargs[k] for k in route.params})


def _refused_as(status: int, location: str, actor: str, rule: Rule) -> str | None:
    """What kind of refusal the response is, or None if the actor got through."""
    if status in (401, 403):
        return "forbidden"
    if status == 404:
        return "not_found"
    if status in (301, 302) and "/accounts/login/" in location:
        return "login"
    if status in (301, 302) and "/admin/login/" in location:
        return "admin_login"
    return None


def _expected_refusal(actor: str, rule: Rule) -> set[str]:
    if rule.admin:
        # The admin sends everyone without admin rights to its login page, which sends
        # anonymous users on to the portal's login and refuses signed-in non-staff; its
        # catch-all answers 404.
        return {"admin_login", "login", "forbidden", "not_found"}
    if actor == ANON:
        return {"forbidden"} if rule.api else {"login"}
    if rule.scoped and actor in (OUTSIDER, SUPER):
        return {"not_found"}
    if actor == RESIDENT and rule.resident_refusal:
        return {rule.resident_refusal}
    return {rule.insider_refusal}


ROUTES = [r for r in walk() if rule_for(r) is not None]


@pytest.fixture
def actors(
    resident: Any,
    village_head: Any,
    officer: Any,
    digital_team: Any,
    security_officer: Any,
    commune_official: Any,
    outsider: Any,
    superuser: Any,
) -> dict[str, Any]:
    return {
        ANON: None,
        RESIDENT: resident,
        HEAD: village_head,
        OFFICER: officer,
        DIGITAL: digital_team,
        SECURITY: security_officer,
        COMMUNE: commune_official,
        OUTSIDER: outsider,
        SUPER: superuser,
    }


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.pattern)
def test_only_the_declared_actors_get_through(
    route: FoundRoute, actors: dict[str, Any], world: Any
) -> None:
    rule = rule_for(route)
    assert rule is not None
    ctx = {
        "village": world.village,
        "lane": world.lane,
        "household": world.household,
        "other_village": world.other_village,
    }
    failures = []
    for actor, user in actors.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        url = _url(route, rule, ctx)
        data = dict(rule.data)
        if route.key == "village_switch":
            data = {"village": str(world.village.pk)}
        response = client.post(url, data) if rule.method == "POST" else client.get(url)
        assert response.status_code < 500, f"{actor} got {response.status_code} on {url}"
        refusal = _refused_as(
            response.status_code, response.headers.get("Location", ""), actor, rule
        )
        if rule.login_flow:
            continue
        if actor in rule.allowed:
            if refusal == "not_found" and rule.absent_ok:
                continue
            if rule.admin and refusal in ("forbidden", "not_found"):
                # Some admin URLs need parameters or objects the sample lacks; what matters
                # is that the superuser was not sent to a login page.
                continue
            if refusal is not None:
                failures.append(f"{actor} should get through {url}, got {response.status_code}")
        elif refusal not in _expected_refusal(actor, rule):
            failures.append(
                f"{actor} should be refused ({_expected_refusal(actor, rule)}) on {url}, "
                f"got {response.status_code} {response.headers.get('Location', '')}"
            )
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "route",
    [
        r
        for r in ROUTES
        if rule_for(r).method == "POST" and not rule_for(r).get_redirects  # type: ignore[union-attr]
    ],
    ids=lambda r: r.pattern,
)
def test_post_only_routes_refuse_get(route: FoundRoute, actors: dict[str, Any], world: Any) -> None:
    rule = rule_for(route)
    assert rule is not None
    ctx = {
        "village": world.village,
        "lane": world.lane,
        "household": world.household,
        "other_village": world.other_village,
    }
    user = actors[HEAD]
    client = Client()
    client.force_login(user)
    response = client.get(_url(route, rule, ctx))
    assert response.status_code == 405


# WebSocket routes: who may open them. Each takes the village of the personas.
WEBSOCKET_MATRIX: dict[str, frozenset[str]] = {
    "ws_village_live": OUR_STAFF,
    **qrsigns_matrix.WEBSOCKET,
    **feedback_matrix.WEBSOCKET,
    **announcements_matrix.WEBSOCKET,
    **cameras_matrix.WEBSOCKET,
    **payments_matrix.WEBSOCKET,
    **reports_matrix.WEBSOCKET,
    **privacy_matrix.WEBSOCKET,
}


def test_every_websocket_route_is_declared() -> None:
    from villageportal.routing import websocket_urlpatterns

    names = {p.name for p in websocket_urlpatterns}
    assert names == set(WEBSOCKET_MATRIX), names ^ set(WEBSOCKET_MATRIX)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", sorted(WEBSOCKET_MATRIX))
def test_only_the_declared_actors_open_a_websocket(name: str, actors: dict, world: Any) -> None:
    from asgiref.sync import async_to_sync

    from tests.ws import connect, session_headers
    from villageportal.routing import websocket_urlpatterns

    pattern = next(p for p in websocket_urlpatterns if p.name == name)
    path = "/" + str(pattern.pattern).replace("<uuid:village_id>", str(world.village.pk))

    async def opens(headers: list) -> bool:
        communicator, connected = await connect(path, headers)
        await communicator.disconnect()
        return connected

    outcome = {actor: async_to_sync(opens)(session_headers(user)) for actor, user in actors.items()}
    allowed = {actor for actor, connected in outcome.items() if connected}
    assert allowed == WEBSOCKET_MATRIX[name]


# Two-factor login required: a role listed in MFA_REQUIRED_ROLES, not yet enrolled, is refused
# on every API route (by its password-only session and by a token it made before the rule
# applied to it), on every WebSocket, and when making a token; enrolled, it gets through.
MFA_REQUIRED = [HEAD]


def _api_routes_for(actor: str) -> list[FoundRoute]:
    return [r for r in ROUTES if rule_for(r).api and actor in rule_for(r).allowed]  # type: ignore[union-attr]


def _enrol(user: Any) -> None:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())


@pytest.mark.parametrize("route", _api_routes_for(HEAD), ids=lambda r: r.pattern)
def test_a_role_that_requires_two_factor_is_refused_on_the_api_until_enrolled(
    route: FoundRoute, actors: dict[str, Any], world: Any, settings: Any
) -> None:
    from tests.factories import api_token

    rule = rule_for(route)
    assert rule is not None
    user = actors[HEAD]
    token = api_token(user)
    settings.MFA_REQUIRED_ROLES = [Role.VILLAGE_HEAD]
    ctx = {
        "village": world.village,
        "lane": world.lane,
        "household": world.household,
        "other_village": world.other_village,
    }
    session = Client()
    session.force_login(user)
    by_token = Client(HTTP_AUTHORIZATION=f"Token {token}")

    def answers(client: Client) -> int:
        url = _url(route, rule, ctx)
        data = dict(rule.data)
        return (client.post(url, data) if rule.method == "POST" else client.get(url)).status_code

    assert answers(session) == 403
    assert answers(by_token) == 403
    _enrol(user)
    assert answers(by_token) not in (401, 403)
    assert answers(session) not in (401, 403)


def test_a_role_that_requires_two_factor_cannot_make_a_token_until_enrolled(
    actors: dict[str, Any], settings: Any
) -> None:
    from accounts.models import ApiToken

    settings.MFA_REQUIRED_ROLES = [Role.VILLAGE_HEAD]
    client = Client()
    client.force_login(actors[HEAD])
    refused = client.post(reverse("api_token"))
    assert refused.status_code == 302 and not ApiToken.objects.exists()
    _enrol(actors[HEAD])
    assert client.post(reverse("api_token")).status_code == 200
    assert ApiToken.objects.filter(user=actors[HEAD]).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", sorted(n for n, who in WEBSOCKET_MATRIX.items() if HEAD in who))
def test_a_role_that_requires_two_factor_opens_no_websocket_until_enrolled(
    name: str, actors: dict, world: Any, settings: Any
) -> None:
    from asgiref.sync import async_to_sync

    from tests.ws import connect, session_headers
    from villageportal.routing import websocket_urlpatterns

    settings.MFA_REQUIRED_ROLES = [Role.VILLAGE_HEAD]
    pattern = next(p for p in websocket_urlpatterns if p.name == name)
    path = "/" + str(pattern.pattern).replace("<uuid:village_id>", str(world.village.pk))

    async def opens(headers: list) -> bool:
        communicator, connected = await connect(path, headers)
        await communicator.disconnect()
        return connected

    user = actors[HEAD]
    assert async_to_sync(opens)(session_headers(user)) is False
    _enrol(user)
    assert async_to_sync(opens)(session_headers(user)) is True
