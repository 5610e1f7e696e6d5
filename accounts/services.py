"""Writes for accounts: invitations, memberships, the current village, API tokens."""

from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.settings import knox_settings

from accounts.access import access_village, roles_in_village
from accounts.authn import may_hold_api_token, sufficiently_authenticated
from accounts.middleware import CURRENT_VILLAGE_SESSION_KEY
from accounts.models import ApiToken, Invitation, Membership
from accounts.phones import normalize_phone
from accounts.roles import ALL_ROLES, COMMUNE_ROLES, INVITABLE_ROLES, Role
from households.models import Commune, Village

User = get_user_model()

INVITATION_LIFETIME = timedelta(days=7)
INVITATION_RETENTION = timedelta(days=30)


def invitable_roles(*, user: Any, village: Village) -> frozenset[str]:
    """The roles ``user`` may hand out in ``village``."""
    if getattr(user, "is_superuser", False):
        return frozenset(Role)
    allowed: set[str] = set()
    for role in roles_in_village(user=user, village=village):
        allowed |= INVITABLE_ROLES.get(role, frozenset())
    return frozenset(allowed)


@transaction.atomic
def membership_create(
    *,
    user: Any,
    role: str,
    village: Village | None = None,
    commune: Commune | None = None,
    by: Any = None,
) -> Membership:
    if role in COMMUNE_ROLES:
        commune = commune or (village.commune if village else None)
        village = None
    membership, _created = Membership.objects.get_or_create(
        user=user,
        role=role,
        village=village,
        commune=commune,
        defaults={"created_by": by},
    )
    return membership


@transaction.atomic
def invitation_create(
    *,
    by: Any,
    village: Village,
    role: str,
    full_name: str,
    email: str = "",
    phone: str = "",
) -> tuple[Invitation, str]:
    """Invite a person to ``village`` (or its commune, for a commune role).

    Returns the invitation and its token; the token exists nowhere else once this returns,
    apart from the message that carries the link.
    """
    if role not in invitable_roles(user=by, village=village):
        raise PermissionDenied
    email = (email or "").strip().lower()
    phone = normalize_phone(phone) if phone else ""
    if not email and not phone:
        raise ValidationError(_("Give an e-mail address or a phone number."))
    token, token_hash = Invitation.new_token()
    place = {"commune": village.commune} if role in COMMUNE_ROLES else {"village": village}
    invitation = Invitation.objects.create(
        token_hash=token_hash,
        full_name=full_name.strip(),
        email=email,
        phone=phone,
        role=role,
        invited_by=by,
        expires_at=timezone.now() + INVITATION_LIFETIME,
        **place,
    )
    if email:
        from accounts.tasks import invitation_send_task

        transaction.on_commit(lambda: invitation_send_task.delay(invitation.pk, token))
    return invitation, token


def invitation_send(*, invitation: Invitation, accept_url: str) -> bool:
    """E-mail the link; does nothing if it was sent already or cannot be accepted any more."""
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.utils import translation

    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.sent_at or not invitation.email:
            return False
        if invitation.status != Invitation.Status.PENDING:
            return False
        with translation.override("vi"):
            context = {"invitation": invitation, "accept_url": accept_url}
            subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
            text = render_to_string("accounts/email/invitation_message.txt", context)
            html = render_to_string("accounts/email/invitation_message.html", context)
        send_mail(subject, text, None, [invitation.email], html_message=html)
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
    return True


def _contact_owner(invitation: Invitation) -> Any:
    if invitation.email:
        user = User.objects.filter(email__iexact=invitation.email).first()
        if user:
            return user
    if invitation.phone:
        return User.objects.filter(phone=invitation.phone).first()
    return None


def invitation_existing_user(*, invitation: Invitation) -> Any:
    """The account that already owns the invitation's e-mail or phone, if any."""
    return _contact_owner(invitation)


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    user: Any = None,
    full_name: str = "",
    password: str = "",
) -> Any:
    """Accept an invitation: as the signed-in ``user``, or by creating the account.

    The membership is created in the same transaction as the acceptance, so an invitation is
    never half accepted.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError(_("This invitation can no longer be used."))
    owner = _contact_owner(invitation)
    if user is not None:
        if owner is None or owner.pk != user.pk:
            raise ValidationError(
                _("This invitation was sent to another e-mail address or phone number.")
            )
    else:
        if owner is not None:
            raise ValidationError(
                _("An account with this e-mail or phone already exists: sign in to accept.")
            )
        user = User(
            full_name=full_name.strip() or invitation.full_name,
            email=invitation.email or None,
            phone=invitation.phone or None,
        )
        validate_password(password, user)
        user.set_password(password)
        user.save()
        if invitation.email:
            EmailAddress.objects.create(
                user=user, email=invitation.email, primary=True, verified=True
            )
    membership_create(
        user=user,
        role=invitation.role,
        village=invitation.village,
        commune=invitation.commune,
        by=invitation.invited_by,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    if invitation.village_id:
        from households.live import village_live_notify

        village_live_notify(
            village=invitation.village,
            kind="member_joined",
            message=_("%(name)s joined as %(role)s.")
            % {"name": user.full_name, "role": invitation.get_role_display()},
        )
    return user


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: Any) -> Invitation:
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError(_("Only a pending invitation can be revoked."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


def invitations_purge() -> int:
    """Delete invitations that ended more than 30 days ago: their contact data is not needed."""
    cutoff = timezone.now() - INVITATION_RETENTION
    deleted, _per_model = (
        Invitation.objects.filter(accepted_at__isnull=True).filter(expires_at__lt=cutoff).delete()
    )
    revoked, _per_model = Invitation.objects.filter(revoked_at__lt=cutoff).delete()
    return deleted + revoked


def current_village_set(*, request: HttpRequest, village_id: Any) -> Village:
    """Make ``village_id`` the village the user works on; 404 if it is not theirs."""
    village = access_village(user=request.user, village_id=village_id, roles=ALL_ROLES)
    request.session[CURRENT_VILLAGE_SESSION_KEY] = str(village.pk)
    return village


@transaction.atomic
def membership_end(*, membership: Membership, by: Any = None) -> None:
    """End a membership; the user's API tokens are revoked with it (they may make new ones
    with the rights they still hold)."""
    user = membership.user
    membership.delete()
    api_tokens_revoke(user=user)


def api_token_create(*, user: Any) -> tuple[ApiToken, str]:
    """A new personal API token; returns it with its text, which exists nowhere else.

    Only for roles that may hold one, and only from a sign-in that meets the two-factor rule.
    The oldest tokens go when the user already holds the most allowed.
    """
    if not may_hold_api_token(user) or not sufficiently_authenticated(user):
        raise PermissionDenied
    limit = knox_settings.TOKEN_LIMIT_PER_USER
    with transaction.atomic():
        now = timezone.now()
        ApiToken.objects.filter(user=user, expiry__lt=now).delete()
        if limit:
            keep = ApiToken.objects.filter(user=user).order_by("-created")[: limit - 1]
            ApiToken.objects.filter(user=user).exclude(
                digest__in=list(keep.values_list("digest", flat=True))
            ).delete()
        return ApiToken.objects.create(user=user, password_fingerprint=user.get_session_auth_hash())


def api_token_revoke(*, user: Any, token_key: str) -> None:
    """Revoke one of ``user``'s own tokens; 404 for any other key."""
    deleted, _per_model = ApiToken.objects.filter(user=user, token_key=token_key).delete()
    if not deleted:
        raise Http404


def api_tokens_revoke(*, user: Any) -> int:
    """Revoke every token of ``user`` (password changed or reset, a membership ended)."""
    deleted, _per_model = ApiToken.objects.filter(user=user).delete()
    return deleted
