from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from households.models import Household, Lane, Village
from qrsigns.models import HeritageSite, SheetJob, Sign


class RetargetForm(forms.Form):
    target = forms.ChoiceField(label=_("The code opens"), choices=Sign.Target.choices)
    lane = forms.ModelChoiceField(label=_("Lane"), queryset=Lane.objects.none(), required=False)
    heritage_site = forms.ModelChoiceField(
        label=_("Heritage site"), queryset=HeritageSite.objects.none(), required=False
    )
    household = forms.ModelChoiceField(
        label=_("Household"), queryset=Household.objects.none(), required=False
    )

    def __init__(self, *args: Any, village: Village, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the village's own objects are offered, and only those are accepted.
        self.fields["lane"].queryset = Lane.objects.alive().filter(village=village)
        self.fields["heritage_site"].queryset = HeritageSite.objects.filter(village=village)
        self.fields["household"].queryset = (
            Household.objects.active()
            .filter(village=village)
            .select_related("lane")
            .order_by("lane__sort_order", "house_number_key")
        )


class SheetForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label=_("Signs to print"),
        choices=Sign.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Sign.Kind.LANE_START, Sign.Kind.LANE_END, Sign.Kind.HERITAGE],
    )
    lane = forms.ModelChoiceField(
        label=_("Lane"),
        queryset=Lane.objects.none(),
        required=False,
        empty_label=_("Every lane of the village"),
        help_text=_("To print again the signs of one lane only, after a sign was lost or damaged."),
    )
    per_page = forms.TypedChoiceField(
        label=_("Layout"),
        choices=SheetJob.Layout.choices,
        coerce=int,
        initial=SheetJob.Layout.ONE,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, village: Village, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lane"].queryset = Lane.objects.alive().filter(village=village)


class HeritageSiteForm(forms.ModelForm):
    class Meta:
        model = HeritageSite
        fields = [
            "name",
            "summary",
            "history",
            "visiting_info",
            "address",
            "latitude",
            "longitude",
            "is_published",
        ]
        widgets = {
            "history": forms.Textarea(attrs={"rows": 8}),
            "visiting_info": forms.Textarea(attrs={"rows": 4}),
        }

    def validate_unique(self) -> None:
        """The service checks the name against the village; the form has no village field."""


class HeritageImageForm(forms.Form):
    image = forms.FileField(label=_("Photo"))
    alt_text = forms.CharField(
        label=_("What the photo shows"),
        max_length=200,
        help_text=_("Read aloud to people who cannot see the photo."),
    )
