from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cameras.models import Camera
from households.models import Household, Lane, Village


class CameraForm(forms.Form):
    name = forms.CharField(label=_("Camera name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=Camera.Kind.choices)
    household = forms.ModelChoiceField(
        label=_("Owner household"), queryset=Household.objects.none(), required=False
    )
    consent_on = forms.DateField(
        label=_("Household's consent recorded on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Required for a household camera."),
    )
    lane = forms.ModelChoiceField(label=_("Lane"), queryset=Lane.objects.none(), required=False)
    latitude = forms.DecimalField(
        label=_("Latitude"), max_digits=10, decimal_places=7, required=False
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), max_digits=10, decimal_places=7, required=False
    )
    facing = forms.CharField(label=_("What it faces"), max_length=150, required=False)
    make = forms.CharField(label=_("Make"), max_length=60, required=False)
    model = forms.CharField(label=_("Model"), max_length=60, required=False)
    stream_url = forms.CharField(
        label=_("Main stream (RTSP)"),
        max_length=500,
        required=False,
        help_text=_("For example rtsp://10.20.0.11:554/stream1"),
    )
    substream_url = forms.CharField(label=_("Sub-stream (RTSP)"), max_length=500, required=False)
    snapshot_url = forms.CharField(
        label=_("Snapshot address"),
        max_length=500,
        required=False,
        help_text=_("http:// or https://; when given, the status check fetches it."),
    )
    hls_url = forms.CharField(label=_("HLS address"), max_length=500, required=False)
    onvif_url = forms.CharField(label=_("ONVIF address"), max_length=500, required=False)
    username = forms.CharField(label=_("User name"), max_length=100, required=False)
    password = forms.CharField(
        label=_("Password"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    clear_credentials = forms.BooleanField(
        label=_("Remove the stored user name and password"), required=False
    )
    importance = forms.ChoiceField(
        label=_("Importance"), choices=Camera.Importance.choices, initial="normal"
    )
    installed_on = forms.DateField(
        label=_("Installation date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    maintenance = forms.BooleanField(label=_("Maintenance mode"), required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self, *args: Any, village: Village, camera: Camera | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lane"].queryset = Lane.objects.alive().filter(village=village)
        self.fields["household"].queryset = (
            Household.objects.active().filter(village=village).select_related("lane")
        )
        self.fields["household"].label_from_instance = lambda h: str(h)
        if camera is not None and camera.credentials:
            self.fields["password"].help_text = _(
                "A password is stored; leave this empty to keep it."
            )
        else:
            del self.fields["clear_credentials"]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for key in ("username", "password", "clear_credentials"):
            data.pop(key, None)
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Camera list (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
