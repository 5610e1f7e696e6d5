"""Forms: a criteria set with its indicator rows (one formset), attestations, periods, dates."""

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.models import Commune, Province
from reports.models import Attestation, CriteriaSet, Indicator, PeriodClose
from reports.registry import MEASURES

# Measures the other apps of the portal register; a set may name them before they are installed.
KNOWN_CODES = (
    "lanes_with_active_signs",
    "feedback_acknowledged_on_time",
    "feedback_resolved_same_day",
    "feedback_satisfaction",
    "announcement_reach",
    "public_cameras_count",
    "public_cameras_uptime_30d",
    "vneid_level2_14plus",
    "epayment_working_age",
    "smartphone_working_age",
    "digital_skills_working_age",
    "digital_signature_adults",
    "health_record_all",
    "cashless_business",
    "fibre_households",
    "digital_channel_households",
)


def measure_choices() -> list[tuple[str, str]]:
    choices = [("", "---------")]
    for code, measure in sorted(MEASURES.items(), key=lambda kv: str(kv[1].label)):
        choices.append((code, f"{measure.label} ({code})"))
    pending = _("not available yet")
    for code in KNOWN_CODES:
        if code not in MEASURES:
            choices.append((code, f"{code} — {pending}"))
    return choices


class CriteriaSetForm(forms.ModelForm):
    class Meta:
        model = CriteriaSet
        fields = [
            "name",
            "province",
            "commune",
            "legal_basis_number",
            "legal_basis_date",
            "notes",
            "effective_from",
            "effective_to",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 6}),
            "legal_basis_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "effective_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "effective_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(
        self,
        *args: Any,
        user: Any,
        provinces: Any = None,
        communes: Any = None,
        national: bool = False,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["province"].queryset = (
            provinces if provinces is not None else Province.objects.all()
        )
        self.fields["province"].required = False
        self.fields["commune"].queryset = (
            communes if communes is not None else Commune.objects.none()
        ).select_related("province")
        self.fields["commune"].required = False
        self.national = national

    def clean(self) -> dict[str, Any]:
        from reports.access import may_write_set

        data = super().clean()
        province, commune = data.get("province"), data.get("commune")
        if commune is not None:
            if province is not None and province.pk != commune.province_id:
                self.add_error("commune", _("The commune is not in the chosen province."))
                return data
            data["province"] = province = commune.province
            self.instance.province = province
        if province is None and commune is None and not self.national:
            self.add_error("province", _("Choose the province, or your commune for its own set."))
            return data
        if not may_write_set(
            user=self.user,
            province_id=province.pk if province else None,
            commune_id=commune.pk if commune else None,
        ):
            self.add_error(
                "province",
                _(
                    "Only the province's criteria managers write the province's set; a commune "
                    "official writes a set of their own commune."
                ),
            )
        return data


class ReasonForm(forms.Form):
    """Why a set in use changes, or why a commune changes the set it is scored by."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the reason for this change.")},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Give the reason for this change."))
        return reason


class IndicatorRowForm(forms.Form):
    """One indicator; rows with the same criterion number make one criterion."""

    criterion_number = forms.IntegerField(label=_("Criterion no."), min_value=1, max_value=99)
    criterion_title = forms.CharField(label=_("Criterion"), max_length=255)
    name = forms.CharField(label=_("Indicator"), max_length=255)
    source = forms.ChoiceField(label=_("Source"), choices=Indicator.Source.choices)
    measure_code = forms.ChoiceField(label=_("Measure"), required=False, choices=())
    threshold_kind = forms.ChoiceField(label=_("Threshold"), choices=Indicator.Threshold.choices)
    threshold_value = forms.CharField(label=_("Value"), required=False, max_length=20)
    lineage = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measure_code"].choices = measure_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        raw = (data.get("threshold_value") or "").strip().replace(",", ".")
        value = None
        if raw:
            try:
                from decimal import Decimal, InvalidOperation

                value = Decimal(raw)
                if not value.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                raise ValidationError(
                    {"threshold_value": _("The threshold must be a number.")}
                ) from None
        indicator = Indicator(
            name=data["name"],
            source=data["source"],
            measure_code=data.get("measure_code") or "",
            threshold_kind=data["threshold_kind"],
            threshold_value=value,
        )
        if data.get("lineage"):
            indicator.lineage = data["lineage"]
        if indicator.source == Indicator.Source.MEASURE and not indicator.measure_code:
            raise ValidationError(
                {"measure_code": _("Choose a measure, or make the indicator attested.")}
            )
        indicator.clean()
        data["indicator"] = indicator
        return data


class BaseIndicatorFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        titles: dict[int, str] = {}
        rows = [
            f.cleaned_data for f in self.forms if f.cleaned_data and not self._should_delete_form(f)
        ]
        if not rows:
            raise ValidationError(_("Add at least one indicator."))
        for row in rows:
            number, title = row["criterion_number"], row["criterion_title"].strip()
            if titles.setdefault(number, title) != title:
                raise ValidationError(
                    _("Criterion %(number)s has two different titles.") % {"number": number}
                )


IndicatorFormSet = forms.formset_factory(
    IndicatorRowForm, formset=BaseIndicatorFormSet, extra=3, can_delete=True, max_num=200
)


class AttestationForm(forms.ModelForm):
    class Meta:
        model = Attestation
        fields = ["met", "value", "attested_on", "note", "evidence"]
        widgets = {"attested_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, indicator: Indicator, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence"].required = True
        self.fields["evidence"].error_messages["required"] = _(
            "Attach a photo or a document as evidence."
        )
        self.fields["evidence"].widget.attrs["accept"] = "image/*,.pdf,.docx,.xlsx,.odt"
        if indicator.threshold_kind == Indicator.Threshold.YES:
            del self.fields["value"]
        else:
            self.fields["value"].required = True


class PeriodCloseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Period"), choices=PeriodClose.Kind.choices)
    day = forms.DateField(
        label=_("A day in the period"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)


def parse_as_of(raw: str | None) -> date:
    """The date of a ``?date=`` parameter (YYYY-MM-DD), today when absent."""
    if not raw:
        return timezone.localdate()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(_("The date is not valid; use the form YYYY-MM-DD.")) from None
