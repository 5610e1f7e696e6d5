"""Mandatory two-factor login holds for every way in: pages, the session API, tokens (and
making them), and WebSocket consumers. A role in ``MFA_REQUIRED_ROLES`` without two-factor
login set up gets nothing but the set-up."""

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import ApiToken
from accounts.roles import Role
from tests.factories import api_token
from tests.ws import connect, session_headers

REQUIRED = override_settings(MFA_REQUIRED_ROLES=[Role.VILLAGE_HEAD])


def _enrol(user: Any) -> None:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
@REQUIRED
def test_a_password_only_session_cannot_make_a_token(village_head) -> None:
    client = _signed_in(village_head)
    response = client.post(reverse("api_token"))
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("mfa_activate_totp")
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
@REQUIRED
def test_the_token_service_refuses_it_too(village_head) -> None:
    from django.core.exceptions import PermissionDenied

    from accounts.services import api_token_create

    with pytest.raises(PermissionDenied):
        api_token_create(user=village_head)


@pytest.mark.django_db
@REQUIRED
def test_a_password_only_session_is_refused_by_the_api(village_head, world) -> None:
    client = _signed_in(village_head)
    for path in ("/api/v1/me/", f"/api/v1/households/{world.household.pk}/"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "hai bước" in response.json()["detail"]


@pytest.mark.django_db
def test_a_token_made_before_the_rule_applied_stops_until_enrolment(village_head, world) -> None:
    token = api_token(village_head)
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    path = f"/api/v1/households/{world.household.pk}/"
    assert client.get(path).status_code == 200
    with REQUIRED:
        refused = client.get(path)
        assert refused.status_code == 403
        assert "national_id" not in refused.content.decode()
        _enrol(village_head)
        assert client.get(path).status_code == 200


@pytest.mark.django_db
@REQUIRED
def test_after_enrolment_the_session_makes_a_token_and_the_api_answers(village_head) -> None:
    _enrol(village_head)
    client = _signed_in(village_head)
    assert client.get("/api/v1/me/").status_code == 200
    text = client.post(reverse("api_token")).context["new_token"]
    assert Client(HTTP_AUTHORIZATION=f"Token {text}").get("/api/v1/me/").status_code == 200


@pytest.mark.django_db
@REQUIRED
def test_roles_not_listed_are_unaffected(officer) -> None:
    assert _signed_in(officer).get("/api/v1/me/").status_code == 200
    token = api_token(officer)
    assert Client(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/me/").status_code == 200


@pytest.mark.django_db
@REQUIRED
def test_the_set_up_pages_stay_reachable(village_head) -> None:
    client = _signed_in(village_head)
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302


def _opens(user: Any, path: str) -> bool:
    headers = session_headers(user)

    async def scenario() -> bool:
        communicator, connected = await connect(path, headers)
        await communicator.disconnect()
        return connected

    return async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
@REQUIRED
def test_websockets_refuse_a_password_only_session_until_enrolment(village_head, village) -> None:
    paths = [f"/ws/villages/{village.pk}/live/", "/ws/announcements/feed/"]
    assert [_opens(village_head, p) for p in paths] == [False, False]
    _enrol(village_head)
    assert [_opens(village_head, p) for p in paths] == [True, True]
