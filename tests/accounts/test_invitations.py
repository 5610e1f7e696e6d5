import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Membership, User
from accounts.roles import Role
from tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _invite(client: Client, **data) -> object:
    return client.post(reverse("invitation_create"), data)


def _link_from_mail() -> str:
    match = re.search(r"https?://\S+/invite/[\w-]+/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(0)


def test_a_village_head_invites_an_officer_who_joins_by_the_link(
    village_head, village, django_capture_on_commit_callbacks
) -> None:
    head = _signed_in(village_head)
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(
            head, full_name="Trần Văn Bình", email="Binh@Example.com", role=Role.VILLAGE_OFFICER
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["binh@example.com"]
    assert "Trần Văn Bình" in message.body
    assert village.name in message.subject
    link = _link_from_mail()
    invitation = Invitation.objects.get()
    assert invitation.sent_at is not None
    # Only the hash is stored: the token is nowhere in the database.
    assert link.rstrip("/").rsplit("/", 1)[1] not in invitation.token_hash

    path = "/" + link.split("/", 3)[3]
    newcomer = Client()
    page = newcomer.get(path)
    assert page.status_code == 200
    assert "Cán bộ thôn" in page.content.decode()
    response = newcomer.post(
        path,
        {
            "full_name": "Trần Văn Bình",
            "password1": "Mk-vung-vang-2026",
            "password2": "Mk-vung-vang-2026",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="binh@example.com")
    assert Membership.objects.filter(user=user, role=Role.VILLAGE_OFFICER, village=village).exists()
    assert newcomer.get(reverse("dashboard")).status_code == 200
    # The link works once.
    assert Client().get(path).status_code == 404


def test_a_weak_password_is_refused_and_nothing_is_created(village) -> None:
    invitation = InvitationFactory(village=village)
    token = "t-" + "x" * 30
    invitation.token_hash = __import__("hashlib").sha256(token.encode()).hexdigest()
    invitation.save()
    response = Client().post(
        reverse("invitation_accept", kwargs={"token": token}),
        {"full_name": "A", "password1": "123", "password2": "123"},
    )
    assert response.status_code == 400
    assert not User.objects.filter(email=invitation.email).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_an_expired_or_revoked_invitation_is_refused(village) -> None:
    for changes in ({"expires_at": timezone.now()}, {"revoked_at": timezone.now()}):
        invitation = InvitationFactory(village=village, **changes)
        token = f"tok-{invitation.pk}"
        invitation.token_hash = __import__("hashlib").sha256(token.encode()).hexdigest()
        invitation.save()
        response = Client().get(reverse("invitation_accept", kwargs={"token": token}))
        assert response.status_code == 404
        assert "không còn hiệu lực" in response.content.decode() or response.status_code == 404


def test_an_unknown_token_is_a_plain_404(db) -> None:
    assert Client().get(reverse("invitation_accept", kwargs={"token": "nope"})).status_code == 404


def test_an_officer_cannot_invite(officer) -> None:
    response = _invite(
        _signed_in(officer), full_name="X", email="x@example.com", role=Role.VILLAGE_OFFICER
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_a_village_head_cannot_appoint_another_village_head(village_head) -> None:
    response = _invite(
        _signed_in(village_head), full_name="X", email="x@example.com", role=Role.VILLAGE_HEAD
    )
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_a_commune_official_appoints_a_village_head(commune_official, village) -> None:
    response = _invite(
        _signed_in(commune_official),
        full_name="Đỗ Văn Cường",
        phone="0987 654 321",
        role=Role.VILLAGE_HEAD,
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.phone == "+84987654321"
    assert invitation.village == village
    # No e-mail address: the link is shown to the inviter to pass on, and nothing is mailed.
    assert not mail.outbox


def test_an_invitation_needs_an_e_mail_or_a_phone(village_head) -> None:
    response = _invite(_signed_in(village_head), full_name="X", role=Role.VILLAGE_OFFICER)
    assert response.status_code == 400
    assert "số điện thoại" in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_bad_phone_number_gets_a_clear_message(village_head) -> None:
    response = _invite(
        _signed_in(village_head), full_name="X", phone="12ab", role=Role.VILLAGE_OFFICER
    )
    assert response.status_code == 400
    assert "0912 345 678" in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_existing_user_accepts_after_signing_in(village_head, outsider, village) -> None:
    invitation = InvitationFactory(village=village, email=outsider.email, role=Role.RESIDENT)
    token = "existing-user-token"
    invitation.token_hash = __import__("hashlib").sha256(token.encode()).hexdigest()
    invitation.save()
    url = reverse("invitation_accept", kwargs={"token": token})
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert reverse("account_login") in anonymous.headers["Location"]
    client = _signed_in(outsider)
    assert client.post(url).status_code == 302
    assert Membership.objects.filter(user=outsider, village=village, role=Role.RESIDENT).exists()


def test_someone_else_cannot_use_an_invitation_meant_for_an_existing_account(
    village, outsider, officer
) -> None:
    invitation = InvitationFactory(village=village, email=outsider.email, role=Role.RESIDENT)
    token = "not-yours-token"
    invitation.token_hash = __import__("hashlib").sha256(token.encode()).hexdigest()
    invitation.save()
    client = _signed_in(officer)
    client.post(reverse("invitation_accept", kwargs={"token": token}))
    assert not Membership.objects.filter(user=officer, role=Role.RESIDENT).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_revoking_works_for_the_head_and_is_404_for_another_village(
    village_head, outsider, village
) -> None:
    invitation = InvitationFactory(village=village)
    url = reverse("invitation_revoke", kwargs={"pk": invitation.pk})
    assert _signed_in(outsider).post(url).status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert _signed_in(village_head).post(url).status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_the_invitation_list_shows_only_this_village(village_head, village, other_village) -> None:
    InvitationFactory(village=village, full_name="Người Trong Thôn")
    InvitationFactory(village=other_village, full_name="Người Thôn Khác")
    page = _signed_in(village_head).get(reverse("invitation_list")).content.decode()
    assert "Người Trong Thôn" in page
    assert "Người Thôn Khác" not in page


def test_ended_invitations_are_purged_after_thirty_days(village) -> None:
    from accounts.tasks import invitations_purge_task

    old = InvitationFactory(
        village=village, expires_at=timezone.now() - timezone.timedelta(days=40)
    )
    fresh = InvitationFactory(village=village)
    assert invitations_purge_task.delay().get() == 1
    assert not Invitation.objects.filter(pk=old.pk).exists()
    assert Invitation.objects.filter(pk=fresh.pk).exists()
