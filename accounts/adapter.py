import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.fields import PhoneField
from django import forms
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership
from accounts.phones import normalize_phone
from accounts.roles import COMMUNE_ROLES, STAFF_ROLES

logger = logging.getLogger(__name__)


class VietnamesePhoneField(PhoneField):
    """Accepts numbers the way Vietnamese users write them and stores E.164."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("validators", [])
        kwargs.setdefault("label", _("Phone number"))
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"placeholder": "0912 345 678", "autocomplete": "tel", "type": "tel"}
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> Any:
        value = forms.CharField.clean(self, value)
        return normalize_phone(value) if value else value


class PortalAccountAdapter(DefaultAccountAdapter):
    """Staff and residents join by invitation only; the phone number lives on the user."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """A commune official lands on the commune's villages side by side, other staff on
        their village's dashboard, everyone else on their own home page, never a 403."""
        user = request.user
        if Membership.objects.filter(user=user, role__in=COMMUNE_ROLES).exists():
            return reverse("commune_home")
        if user.is_superuser or Membership.objects.filter(user=user, role__in=STAFF_ROLES).exists():
            return reverse("dashboard")
        return reverse("home")

    def phone_form_field(self, **kwargs: Any) -> Any:
        return VietnamesePhoneField(**kwargs)

    def clean_phone(self, phone: str) -> str:
        return normalize_phone(phone)

    def set_phone(self, user: Any, phone: str, verified: bool) -> None:
        user.phone = normalize_phone(phone)
        user.save(update_fields=["phone"])

    def get_phone(self, user: Any) -> tuple[str, bool] | None:
        # The number was entered by whoever invited the user, who knows them in person.
        return (user.phone, True) if user.phone else None

    def set_phone_verified(self, user: Any, phone: str) -> None:
        """Numbers are verified in person at invitation; nothing more to record."""

    def get_user_by_phone(self, phone: str) -> Any:
        try:
            phone = normalize_phone(phone)
        except forms.ValidationError:
            return None
        return get_user_model().objects.filter(phone=phone, is_active=True).first()

    def set_password(self, user: Any, password: str) -> None:
        """Password change, reset or set: the user's API tokens are revoked with it."""
        from accounts.services import api_tokens_revoke

        super().set_password(user, password)
        api_tokens_revoke(user=user)

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """The key of the per-account limit on failed sign-ins: the identifier as stored.

        django-allauth keys it by the e-mail or username only, so every phone sign-in would
        share one key and five wrong numbers would lock everyone out of phone sign-in. Here a
        phone number counts in its E.164 form (``0912 345 678`` and ``+84912345678`` are one
        key) and an e-mail address in lower case; the per-IP limit stays as configured.
        """
        if credentials.get("phone"):
            raw = str(credentials["phone"])
            try:
                login = "phone:" + normalize_phone(raw)
            except forms.ValidationError:
                login = "phone:" + raw.strip()
        else:
            email = credentials.get("email", credentials.get("username", ""))
            login = "email:" + str(email).strip().lower()
        return super()._get_login_attempts_cache_key(request, email=login)

    def send_verification_code_sms(self, user: Any, phone: str, code: str, **kwargs: Any) -> None:
        # Phone verification is off (ACCOUNT_PHONE_VERIFICATION_ENABLED = False): numbers
        # are checked in person when the invitation is written. Refuse loudly if that
        # setting is ever turned on without an SMS gateway behind it.
        raise NotImplementedError("Phone verification needs the SMS gateway to be configured.")
