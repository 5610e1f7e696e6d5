import hashlib
import secrets
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken

from accounts.roles import COMMUNE_ROLES, Role
from villageportal.authored import Authored


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str | None, password: str | None, **extra: object) -> "User":
        email = self.normalize_email(email).lower() if email else None
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(
        self, email: str | None = None, password: str | None = None, **extra: object
    ) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in: staff of a village or commune, or a resident.

    Sign-in is by e-mail or phone number; either may be missing but not both.
    """

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    full_name = models.CharField(_("full name"), max_length=150)
    email = models.EmailField(_("e-mail address"), unique=True, null=True, blank=True)
    phone = models.CharField(
        _("phone number"),
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        help_text=_("International format, for example +84912345678."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["full_name"]
    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(email__isnull=False) | Q(phone__isnull=False),
                name="accounts_user_has_email_or_phone",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or self.phone or str(self.pk)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split()[-1] if self.full_name else ""


class RoleAtPlace(models.Model):
    """A role over a place: a village for village roles, a commune for commune roles."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    village = models.ForeignKey(
        "households.Village",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="%(class)ss",
        verbose_name=_("village"),
    )
    commune = models.ForeignKey(
        "households.Commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="%(class)ss",
        verbose_name=_("commune"),
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role__in=sorted(COMMUNE_ROLES), commune__isnull=False, village__isnull=True)
                    | (
                        ~Q(role__in=sorted(COMMUNE_ROLES))
                        & Q(village__isnull=False, commune__isnull=True)
                    )
                ),
                name="%(app_label)s_%(class)s_place_matches_role",
            ),
        ]

    @property
    def place(self) -> object:
        return self.village or self.commune


class Membership(Authored, RoleAtPlace):
    """A user's role over a place: a village for village roles, a commune for commune roles."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            *RoleAtPlace.Meta.constraints,
            models.UniqueConstraint(
                fields=["user", "role", "village"],
                condition=Q(village__isnull=False),
                name="accounts_membership_unique_village_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "commune"],
                condition=Q(commune__isnull=False),
                name="accounts_membership_unique_commune_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.place}"


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> "InvitationQuerySet":
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )

    def visible_to(self, user: object, roles: frozenset[str] | None = None) -> "InvitationQuerySet":
        """Invitations to the places where ``user`` holds one of ``roles`` (by default, where
        they may invite people)."""
        from accounts.roles import INVITER_ROLES
        from households.models import Village

        roles = INVITER_ROLES if roles is None else roles
        villages = Village.objects.visible_to(user, roles).values("pk")
        if getattr(user, "is_superuser", False):
            return self.all()
        communes = Membership.objects.filter(user=user, role__in=roles & COMMUNE_ROLES).values(
            "commune"
        )
        return self.filter(Q(village__in=villages) | Q(commune__in=communes))

    def by_token(self, token: str) -> "InvitationQuerySet":
        return self.filter(token_hash=_hash_token(token))


class Invitation(RoleAtPlace):
    """An invitation to join a village or commune with a role.

    Only a hash of the token is stored: the link in the message is the only copy.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    full_name = models.CharField(_("full name"), max_length=150)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone number"), max_length=16, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(email="") | ~Q(phone=""),
                name="accounts_invitation_has_email_or_phone",
            ),
            *RoleAtPlace.Meta.constraints,
        ]

    def __str__(self) -> str:
        return f"{self.full_name} · {self.get_role_display()}"

    @staticmethod
    def new_token() -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        return token, _hash_token(token)

    @property
    def status(self) -> str:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)


class ApiToken(AbstractAuthToken):
    """A personal API token (django-rest-knox): only a digest of it is stored, with an expiry.

    ``password_fingerprint`` is the user's session hash when the token was made (an HMAC of
    the password hash, as Django keeps in sessions): after any change of password, however
    it was made, the token no longer matches and is refused.
    """

    password_fingerprint = models.CharField(max_length=128, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created"]
