from typing import Any

from allauth.account.forms import ChangePhoneForm
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.adapter import VietnamesePhoneField
from accounts.roles import Role


class InvitationForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    phone = VietnamesePhoneField(required=False)
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args: Any, roles: frozenset[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in Role if r in roles]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("email") and not cleaned.get("phone") and not self.errors:
            raise forms.ValidationError(_("Give an e-mail address or a phone number."))
        return cleaned


class InvitationAcceptForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords do not match."))
        return cleaned


class PhoneChangeForm(ChangePhoneForm):
    """A sign-in phone number is changed by whoever invited the user, who checks it in person.

    The portal sends no verification codes by SMS, so the user's own change form refuses
    every number with that explanation and changes nothing.
    """

    def clean_phone(self) -> str:
        super().clean_phone()
        raise forms.ValidationError(
            _(
                "Your phone number is changed by your village head or the officer who "
                "invited you, after checking it in person. Ask them to change it."
            ),
            code="phone_change_in_person",
        )
