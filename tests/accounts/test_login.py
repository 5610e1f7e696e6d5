import pytest
from django.test import Client, override_settings
from django.urls import reverse

from accounts.roles import Role
from tests.factories import UserFactory, membership

pytestmark = pytest.mark.django_db


def _login(client: Client, login: str, password: str) -> object:
    return client.post(reverse("account_login"), {"login": login, "password": password})


def test_it_signs_in_with_the_e_mail_address(village_head, password) -> None:
    client = Client()
    response = _login(client, village_head.email.upper(), password)
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200


@pytest.mark.parametrize(
    "typed", ["0912 345 678", "0912-345-678", "+84 912 345 678", "84912345678"]
)
def test_it_signs_in_with_the_phone_number_as_people_write_it(village, password, typed) -> None:
    user = UserFactory(phone="+84912345678")
    membership(user, Role.VILLAGE_OFFICER, village)
    client = Client()
    response = _login(client, typed, password)
    assert response.status_code == 302, response.content.decode()[:500]
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_wrong_password_is_refused_in_vietnamese(village_head) -> None:
    response = _login(Client(), village_head.email, "sai-mat-khau")
    assert response.status_code == 200
    assert "không đúng" in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


def test_failed_logins_are_rate_limited(village_head, password) -> None:
    client = Client()
    for _ in range(5):
        _login(client, village_head.email, "sai-mat-khau")
    # Even the right password is refused now, and the message says why.
    response = _login(client, village_head.email, password)
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    assert "Quá nhiều" in response.content.decode()


def test_a_user_of_another_account_is_not_rate_limited_by_someone_elses_failures(
    village_head, officer, password
) -> None:
    client = Client()
    for _ in range(5):
        _login(client, village_head.email, "sai-mat-khau")
    assert _login(Client(), officer.email, password).status_code == 302


def test_there_is_no_open_sign_up(db) -> None:
    client = Client()
    response = client.post(
        reverse("account_signup"),
        {"email": "la@example.com", "password1": "Mk-dai-du-2026!", "password2": "Mk-dai-du-2026!"},
    )
    assert response.status_code in (200, 403)
    from accounts.models import User

    assert not User.objects.filter(email="la@example.com").exists()


def test_an_inactive_user_cannot_sign_in(village_head, password) -> None:
    village_head.is_active = False
    village_head.save()
    client = Client()
    _login(client, village_head.email, password)
    assert "_auth_user_id" not in client.session


@override_settings(MFA_REQUIRED_ROLES=[Role.VILLAGE_HEAD])
def test_roles_that_require_two_factor_are_sent_to_set_it_up(village_head, officer) -> None:
    client = Client()
    client.force_login(village_head)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("mfa_activate_totp")
    # The set-up page itself is reachable (after confirming the password), so the user is
    # not locked out.
    setup = client.get(reverse("mfa_activate_totp"), follow=True)
    assert setup.status_code == 200
    assert setup.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    # Roles not listed work as before.
    other = Client()
    other.force_login(officer)
    assert other.get(reverse("dashboard")).status_code == 200


@override_settings(MFA_REQUIRED_ROLES=[Role.VILLAGE_HEAD])
def test_with_totp_set_up_the_village_head_works_and_login_asks_for_the_code(
    village_head, password
) -> None:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(village_head, generate_totp_secret())
    client = Client()
    response = _login(client, village_head.email, password)
    # Password alone does not sign in: the second step is asked for.
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    forced = Client()
    forced.force_login(village_head)
    assert forced.get(reverse("dashboard")).status_code == 200


def test_wrong_phone_sign_ins_lock_out_only_that_number(village, password) -> None:
    victim = UserFactory(phone="+84912345678")
    membership(victim, Role.VILLAGE_OFFICER, village)
    bystander = UserFactory(phone="+84987654321")
    membership(bystander, Role.VILLAGE_OFFICER, village)
    client = Client()
    for _ in range(5):
        _login(client, "0912 345 678", "sai-mat-khau")
    # The number that was attacked is locked, however it is written...
    locked = _login(Client(), "+84 912-345-678", password)
    assert "_auth_user_id" not in locked.wsgi_request.session
    assert "Quá nhiều" in locked.content.decode()
    # ...and every other number still signs in.
    assert _login(Client(), "0987 654 321", password).status_code == 302


def test_an_e_mail_address_is_locked_out_whatever_its_case(village_head, password) -> None:
    for _ in range(5):
        _login(Client(), village_head.email.upper(), "sai-mat-khau")
    response = _login(Client(), village_head.email, password)
    assert "_auth_user_id" not in response.wsgi_request.session


def test_the_per_address_limit_still_holds_across_accounts(village, password) -> None:
    users = [UserFactory() for _ in range(11)]
    client = Client()
    for user in users[:10]:
        _login(client, user.email, "sai-mat-khau")
    response = _login(client, users[10].email, password)
    assert "_auth_user_id" not in response.wsgi_request.session
