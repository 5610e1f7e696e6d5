from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.adapter import VietnamesePhoneField
from households.models import Household, Lane, Resident
from households.services import (
    HOUSEHOLD_FIELDS,
    RESIDENT_FIELDS,
    clean_digital_address,
    clean_national_id,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class HouseholdForm(forms.ModelForm):
    class Meta:
        model = Household
        fields = HOUSEHOLD_FIELDS
        widgets = {"established_on": DATE_INPUT, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, village: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lane"].queryset = Lane.objects.alive().filter(village=village)
        self.fields["lane"].required = True

    def clean_digital_address(self) -> str:
        return clean_digital_address(self.cleaned_data.get("digital_address", ""))

    def validate_unique(self) -> None:
        """Uniqueness is checked by the registry services, with clearer messages."""


class ResidentForm(forms.ModelForm):
    phone = VietnamesePhoneField(required=False)

    class Meta:
        model = Resident
        fields = RESIDENT_FIELDS
        widgets = {"birth_date": DATE_INPUT, "joined_on": DATE_INPUT}

    def __init__(self, *args: Any, head: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["national_id"].validators = []
        if head:
            del self.fields["relationship"]
        else:
            self.fields["relationship"].choices = [
                c for c in Resident.Relationship.choices if c[0] != Resident.Relationship.HEAD
            ]

    def clean_national_id(self) -> str:
        return clean_national_id(self.cleaned_data.get("national_id", ""))

    def validate_unique(self) -> None:
        """Uniqueness is checked by the registry services, with clearer messages."""


HEAD_PREFIX = "head"


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)


class ConsentForm(forms.Form):
    consent = forms.TypedChoiceField(
        label=_("The head's name may be shown on the public lane page"),
        choices=[("1", _("Yes, the household agreed")), ("0", _("No"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Household.Status.choices)
    on = forms.DateField(label=_("Since"), required=False, widget=DATE_INPUT)


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Resident) -> str:
        return obj.full_name


class ChangeHeadForm(forms.Form):
    new_head = MemberChoiceField(label=_("New head"), queryset=Resident.objects.none())

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_head"].queryset = Resident.objects.current().filter(
            household=household, is_head=False
        )


class LeaveForm(forms.Form):
    on = forms.DateField(label=_("Left on"), required=False, widget=DATE_INPUT)
    new_head = MemberChoiceField(
        label=_("New head (when the head leaves)"), queryset=Resident.objects.none(), required=False
    )

    def __init__(self, *args: Any, resident: Resident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_head"].queryset = (
            Resident.objects.current()
            .filter(household_id=resident.household_id)
            .exclude(pk=resident.pk)
        )


class HouseholdChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Household) -> str:
        return f"{obj.house_number}, {obj.lane}" if obj.lane_id else obj.house_number


class MoveForm(LeaveForm):
    to_household = HouseholdChoiceField(
        label=_("Move to household"), queryset=Household.objects.none()
    )
    relationship = forms.ChoiceField(
        label=_("Relationship to the new head"),
        choices=[c for c in Resident.Relationship.choices if c[0] != Resident.Relationship.HEAD],
    )

    def __init__(self, *args: Any, resident: Resident, **kwargs: Any) -> None:
        super().__init__(*args, resident=resident, **kwargs)
        del self.fields["on"]
        self.fields["to_household"].queryset = (
            Household.objects.active()
            .filter(village_id=resident.household.village_id)
            .exclude(pk=resident.household_id)
            .select_related("lane")
            .order_by("lane__sort_order", "house_number_key")
        )


class SplitForm(forms.Form):
    members = forms.ModelMultipleChoiceField(
        label=_("Members who start the new household"),
        queryset=Resident.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    new_head = MemberChoiceField(
        label=_("Head of the new household"), queryset=Resident.objects.none()
    )
    lane = forms.ModelChoiceField(label=_("Lane"), queryset=Lane.objects.none())
    house_number = forms.CharField(label=_("House number"), max_length=20)

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = Resident.objects.current().filter(household=household, is_head=False)
        self.fields["members"].queryset = members
        self.fields["members"].label_from_instance = lambda r: r.full_name
        self.fields["new_head"].queryset = members
        self.fields["lane"].queryset = Lane.objects.alive().filter(village_id=household.village_id)
        self.fields["lane"].initial = household.lane_id


class MergeForm(forms.Form):
    target = HouseholdChoiceField(
        label=_("Merge into household"), queryset=Household.objects.none()
    )

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = (
            Household.objects.active()
            .filter(village_id=household.village_id)
            .exclude(pk=household.pk)
            .select_related("lane")
            .order_by("lane__sort_order", "house_number_key")
        )


class OpenRecordForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you open this record?"),
        max_length=255,
        help_text=_("The opening is logged with your name and this reason."),
    )
