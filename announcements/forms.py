from typing import Any

from django import forms
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from announcements.conf import setting
from announcements.models import (
    CHANNEL_ORDER,
    Announcement,
    Channel,
    Group,
    Preference,
    SpeakerCluster,
)
from households.models import Household, Lane, Resident
from villageportal import images
from villageportal.text import fold

ALLOWED_EXTENSIONS = {".pdf", ".png", ".jpg", ".jpeg", ".webp"}


def check_attachment(upload: Any) -> Any:
    """PDF or image, under the size limit, and really what its name says.

    A PDF is returned as it came; an image is returned re-encoded by the portal's image
    cleaner, without the place and device its metadata held.
    """
    limit = setting("ANNOUNCEMENTS_ATTACHMENT_MAX_BYTES")
    if upload.size > limit:
        raise forms.ValidationError(
            _("The attachment is too large (at most %(mb)s MB).") % {"mb": limit // (1024 * 1024)}
        )
    name = upload.name.lower()
    extension = name[name.rfind(".") :] if "." in name else ""
    if extension not in ALLOWED_EXTENSIONS:
        raise forms.ValidationError(_("Attach a PDF file or an image (PNG, JPEG, WebP)."))
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if extension == ".pdf":
        if not head.startswith(b"%PDF-"):
            raise forms.ValidationError(_("This file is not a PDF, whatever its name says."))
        return upload
    try:
        with Image.open(upload) as image:
            kind = (image.format or "").lower()
    except Image.DecompressionBombError as exc:
        raise images.too_many_pixels() from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise forms.ValidationError(
            _("This file is not an image, whatever its name says.")
        ) from exc
    finally:
        upload.seek(0)
    expected = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".webp": "webp"}[extension]
    if kind != expected:
        raise forms.ValidationError(_("This file is not an image, whatever its name says."))
    return images.clean_image(upload, max_side=2400, max_bytes=limit, keep_name=True)


class HouseholdChoiceField(forms.ModelChoiceField):
    """A household named as staff look for it: house number, head's name and lane."""

    def label_from_instance(self, obj: Any) -> str:
        head = getattr(obj, "head_name", None) or "—"
        return f"{obj.house_number} · {head} ({obj.lane.name})"


class HouseholdSelect(forms.Select):
    """Each option carries its label folded (no diacritics, lower case) for the search box."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        if option["value"]:
            option["attrs"]["data-search"] = fold(str(option["label"]))
        return option


class AnnouncementForm(forms.ModelForm):
    household = HouseholdChoiceField(
        label=_("Household"),
        queryset=Household.objects.none(),
        required=False,
        widget=HouseholdSelect(attrs={"data-searchable": "household"}),
        help_text=_("Search by house number or the head's name."),
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"), choices=(), widget=forms.CheckboxSelectMultiple, required=False
    )
    send_at = forms.DateTimeField(
        label=_("Send at (empty: now)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    class Meta:
        model = Announcement
        fields = [
            "title",
            "body",
            "kind",
            "audience",
            "lanes",
            "groups",
            "household",
            "channels",
            "loudspeakers",
            "is_public",
            "event_at",
            "event_place",
            "ask_acknowledgement",
            "attachment",
            "cap_urgency",
            "cap_severity",
            "risk_level",
            "cap_area",
            "cap_expires",
            "send_at",
            "title_en",
            "body_en",
        ]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 6}),
            "body_en": forms.Textarea(attrs={"rows": 4, "lang": "en"}),
            "title_en": forms.TextInput(attrs={"lang": "en"}),
            "event_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "cap_expires": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "lanes": forms.CheckboxSelectMultiple,
            "groups": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, village: Any, available: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.village = village
        self.fields["lanes"].queryset = Lane.objects.alive().filter(village=village)
        self.fields["groups"].queryset = Group.objects.filter(village=village)
        head = Resident.objects.current().filter(household=OuterRef("pk"), is_head=True)
        self.fields["household"].queryset = (
            Household.objects.active()
            .filter(village=village)
            .select_related("lane")
            .annotate(head_name=Subquery(head.values("full_name")[:1]))
        )
        self.fields["channels"].choices = [(c, Channel(c).label) for c in available]
        if not self.is_bound and not self.instance.pk:
            self.initial.setdefault("channels", [c for c in available if c in ("web", "sms")])

    def clean_attachment(self) -> Any:
        upload = self.cleaned_data.get("attachment")
        if upload and hasattr(upload, "size") and not getattr(upload, "_committed", False):
            return check_attachment(upload)
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        audience = data.get("audience")
        if audience == Announcement.Audience.LANES and not data.get("lanes"):
            self.add_error("lanes", _("Choose at least one lane."))
        if audience == Announcement.Audience.GROUPS and not data.get("groups"):
            self.add_error("groups", _("Choose at least one group."))
        if audience == Announcement.Audience.HOUSEHOLD and not data.get("household"):
            self.add_error("household", _("Choose the household."))
        if audience in (Announcement.Audience.GROUPS, Announcement.Audience.HOUSEHOLD):
            data["is_public"] = False
        if not data.get("channels") and not data.get("loudspeakers"):
            self.add_error("channels", _("Choose at least one channel."))
        send_at = data.get("send_at")
        if send_at and send_at < timezone.now() - timezone.timedelta(minutes=1):
            self.add_error("send_at", _("The sending time is in the past."))
        kind = data.get("kind")
        level = data.get("risk_level")
        if level:
            # The disaster-risk level decides the CAP severity (Announcement.RISK_SEVERITY).
            data["cap_severity"] = Announcement.RISK_SEVERITY[Announcement.RiskLevel(level)]
        if kind == Announcement.Kind.EMERGENCY:
            for name in ("cap_urgency", "cap_severity"):
                if not data.get(name):
                    self.add_error(name, _("An emergency alert needs this field."))
        expires = data.get("cap_expires")
        if expires and expires < timezone.now():
            self.add_error("cap_expires", _("The expiry time is in the past."))
        elif kind in Announcement.CAP_KINDS and not expires:
            # Published as a CAP alert: it must leave the pages and loudspeakers by itself.
            self.add_error("cap_expires", _("An urgent announcement needs an expiry time."))
        title_en, body_en = data.get("title_en", "").strip(), data.get("body_en", "").strip()
        if bool(title_en) != bool(body_en):
            self.add_error(
                "body_en" if title_en else "title_en",
                _("Give both the English title and text, or neither."),
            )
        return data

    # The optional English version sits in a collapsed section of its own on the page.
    ENGLISH_FIELDS = ("title_en", "body_en")

    def main_fields(self) -> list[Any]:
        return [f for f in self.visible_fields() if f.name not in self.ENGLISH_FIELDS]

    def english_fields(self) -> list[Any]:
        return [self[name] for name in self.ENGLISH_FIELDS]

    def english_open(self) -> bool:
        """Open the section when it holds text or an error, so nothing typed is hidden."""
        return any(
            self[name].value() or (self.is_bound and self.errors.get(name))
            for name in self.ENGLISH_FIELDS
        )


class CorrectionForm(forms.Form):
    title = forms.CharField(label=_("Corrected title"), max_length=200)
    body = forms.CharField(label=_("Corrected text"), widget=forms.Textarea(attrs={"rows": 5}))


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why it is withdrawn"), max_length=500)


class UnknownSettleForm(forms.Form):
    """What staff decided about messages that may have been sent: for one row (the row's own
    button, ``arrived:<id>``) or for the rows ticked (``arrived`` or ``resend``)."""

    ARRIVED, RESEND = "arrived", "resend"
    MAX_ROWS = 500

    action = forms.CharField(max_length=40)
    delivery = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any whole number is accepted here; which rows are the village's is the view's check.
        self.fields["delivery"].valid_value = lambda value: str(value).isdigit()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action, _sep, row = str(data.get("action", "")).partition(":")
        if action not in (self.ARRIVED, self.RESEND) or (row and not row.isdigit()):
            raise forms.ValidationError(_("Choose what to do with the messages."))
        ids = [int(row)] if row else list(data.get("delivery") or [])
        if not ids:
            raise forms.ValidationError(_("Tick at least one message first."))
        if len(ids) > self.MAX_ROWS:
            raise forms.ValidationError(
                _("At most %(n)s messages at a time.") % {"n": self.MAX_ROWS}
            )
        data["sent"] = action == self.ARRIVED
        data["ids"] = sorted(set(ids))
        return data


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=Group.Kind.choices)
    members = forms.ModelMultipleChoiceField(
        label=_("Members"), queryset=Resident.objects.none(), required=False
    )

    def __init__(self, *args: Any, village: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = Resident.objects.current().filter(
            household__village=village
        )


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = Preference
        fields = [*(c.value for c in CHANNEL_ORDER), "quiet_from", "quiet_until"]
        widgets = {
            "quiet_from": forms.TimeInput(attrs={"type": "time"}),
            "quiet_until": forms.TimeInput(attrs={"type": "time"}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if bool(data.get("quiet_from")) != bool(data.get("quiet_until")):
            raise forms.ValidationError(_("Give both ends of the quiet hours, or neither."))
        return data


class SpeakerClusterForm(forms.ModelForm):
    class Meta:
        model = SpeakerCluster
        fields = ["name", "lanes"]
        widgets = {"lanes": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, village: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lanes"].queryset = Lane.objects.alive().filter(village=village)
