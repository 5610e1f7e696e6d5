"""Personal API tokens: for staff only, stored hashed, with an expiry, revoked on a change of
password and when a membership ends, listed for their owner with a revoke button."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import ApiToken
from accounts.roles import Role
from tests.factories import PASSWORD, api_token, membership

pytestmark = pytest.mark.django_db


def _api(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {token}")


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_make_a_token_on_the_page_and_it_works(officer) -> None:
    response = _signed_in(officer).post(reverse("api_token"))
    assert response.status_code == 200
    text = response.context["new_token"]
    assert text in response.content.decode()
    assert _api(text).get("/api/v1/me/").status_code == 200


def test_residents_cannot_make_one(resident) -> None:
    client = _signed_in(resident)
    assert client.get(reverse("api_token")).status_code == 403
    assert client.post(reverse("api_token")).status_code == 403
    assert not ApiToken.objects.exists()


def test_a_token_is_stored_only_as_a_digest(officer) -> None:
    text = api_token(officer)
    row = ApiToken.objects.get(user=officer)
    stored = " ".join(str(v) for v in ApiToken.objects.values_list().get())
    assert text not in stored
    assert row.digest != text and len(row.digest) == 128


def test_a_token_expires(officer, settings) -> None:
    text = api_token(officer)
    expiry = ApiToken.objects.get(user=officer).expiry
    assert expiry is not None
    assert timedelta(days=settings.API_TOKEN_DAYS - 1) < expiry - timezone.now()
    assert expiry - timezone.now() <= timedelta(days=settings.API_TOKEN_DAYS)
    ApiToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    assert _api(text).get("/api/v1/me/").status_code == 401


def test_changing_the_password_on_the_page_revokes_the_tokens(officer) -> None:
    text = api_token(officer)
    response = _signed_in(officer).post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "Mat-khau-moi-2026!",
            "password2": "Mat-khau-moi-2026!",
        },
    )
    assert response.status_code == 302
    assert not ApiToken.objects.filter(user=officer).exists()
    assert _api(text).get("/api/v1/me/").status_code == 401


def test_a_password_reset_revokes_the_tokens(officer) -> None:
    from allauth.account.internal.flows.password_reset import reset_password

    text = api_token(officer)
    reset_password(officer, "Mat-khau-moi-2026!")
    assert _api(text).get("/api/v1/me/").status_code == 401


def test_a_password_changed_anywhere_else_stops_the_tokens(officer) -> None:
    """The administration, ``manage.py changepassword``: the token no longer matches."""
    text = api_token(officer)
    officer.set_password("Mat-khau-moi-2026!")
    officer.save()
    assert _api(text).get("/api/v1/me/").status_code == 401
    assert not ApiToken.objects.filter(user=officer).exists()


def test_ending_a_membership_revokes_the_tokens(officer, village) -> None:
    membership(officer, Role.DIGITAL_TEAM, village)
    text = api_token(officer)
    services.membership_end(membership=officer.memberships.get(role=Role.DIGITAL_TEAM))
    assert _api(text).get("/api/v1/me/").status_code == 401


def test_ending_a_membership_in_the_administration_revokes_the_tokens(officer, superuser) -> None:
    text = api_token(officer)
    pk = officer.memberships.get().pk
    admin = _signed_in(superuser)
    response = admin.post(reverse("admin:accounts_membership_delete", args=[pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not ApiToken.objects.filter(user=officer).exists()
    assert _api(text).get("/api/v1/me/").status_code == 401


def test_a_token_stops_when_its_owner_no_longer_holds_a_staff_role(officer) -> None:
    text = api_token(officer)
    officer.memberships.all().delete()
    assert _api(text).get("/api/v1/me/").status_code == 401


def test_the_page_lists_the_tokens_and_revokes_one(officer) -> None:
    keep, drop = api_token(officer), api_token(officer)
    client = _signed_in(officer)
    page = client.get(reverse("api_token")).content.decode()
    assert drop[:8] in page and keep[:8] in page
    assert drop not in page
    response = client.post(reverse("api_token_revoke", kwargs={"key": drop[:15]}))
    assert response.status_code == 302
    assert _api(drop).get("/api/v1/me/").status_code == 401
    assert _api(keep).get("/api/v1/me/").status_code == 200


def test_another_users_token_cannot_be_revoked(officer, village_head) -> None:
    theirs = api_token(village_head)
    client = _signed_in(officer)
    assert client.post(reverse("api_token_revoke", kwargs={"key": theirs[:15]})).status_code == 404
    assert client.post(reverse("api_token_revoke", kwargs={"key": "x" * 15})).status_code == 404
    assert client.get(reverse("api_token_revoke", kwargs={"key": theirs[:15]})).status_code == 405
    assert _api(theirs).get("/api/v1/me/").status_code == 200


def test_the_page_speaks_vietnamese(officer) -> None:
    api_token(officer)
    page = _signed_in(officer).get(reverse("api_token")).content.decode()
    assert "Mỗi mã dùng được 90 ngày" in page
    assert "Hết hạn" in page and "Thu hồi" in page


def test_the_menu_offers_the_token_page_to_staff_only(officer, resident) -> None:
    link = reverse("api_token")
    assert link in _signed_in(officer).get(reverse("dashboard")).content.decode()
    page = _signed_in(resident).get(reverse("home")).content.decode()
    assert reverse("account_change_password") in page
    assert link not in page
