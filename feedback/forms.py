from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.phones import normalize_phone
from feedback import photos as photo_processing
from feedback.models import TRANSITIONS, Category, Report, Status
from feedback.services import MAX_HOURS, MAX_PHOTOS, Submission
from households.models import Lane

HOURS_ERRORS = {
    "invalid": _("Give a whole number of hours."),
    "min_value": _("A deadline is at least %(limit_value)s hour."),
    "max_value": _("A deadline is at most %(limit_value)s hours."),
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to five photos, each decoded and re-encoded here, before anything is saved."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/heic"})

    def clean(self, data: Any, initial: Any = None) -> list[photo_processing.ProcessedPhoto]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise ValidationError(
                _("Send at most %(n)s photos."), params={"n": MAX_PHOTOS}, code="photos"
            )
        processed = []
        for upload in files:
            if upload.size > photo_processing.max_bytes():
                raise ValidationError(
                    _("%(name)s is larger than %(mb)s MB."),
                    params={"name": upload.name, "mb": photo_processing.max_bytes() // 2**20},
                )
            upload.seek(0)
            processed.append(photo_processing.process(upload, name=upload.name))
        return processed


class ReportForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("What is the problem about?"), queryset=Category.objects.none(), empty_label=None
    )
    description = forms.CharField(
        label=_("Describe the problem"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Describe the problem.")},
    )
    photos = PhotosField(label=_("Photos (up to 5)"), required=False)
    lane = forms.ModelChoiceField(
        label=_("Lane"), queryset=Lane.objects.none(), required=False, empty_label=_("— not sure —")
    )
    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        max_digits=10,
        decimal_places=7,
        min_value=-90,
        max_value=90,
        error_messages={
            "invalid": _("Enter the latitude as a number, such as 18.3412."),
            "min_value": _("A latitude lies between -90 and 90."),
            "max_value": _("A latitude lies between -90 and 90."),
            "max_digits": _("The latitude has too many digits."),
            "max_decimal_places": _("The latitude has too many digits."),
            "max_whole_digits": _("The latitude has too many digits."),
        },
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        max_digits=10,
        decimal_places=7,
        min_value=-180,
        max_value=180,
        error_messages={
            "invalid": _("Enter the longitude as a number, such as 105.9012."),
            "min_value": _("A longitude lies between -180 and 180."),
            "max_value": _("A longitude lies between -180 and 180."),
            "max_digits": _("The longitude has too many digits."),
            "max_decimal_places": _("The longitude has too many digits."),
            "max_whole_digits": _("The longitude has too many digits."),
        },
    )
    sign = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Your name (optional)"), required=False, max_length=100)
    phone = forms.CharField(label=_("Phone (optional, private)"), required=False, max_length=20)
    email = forms.EmailField(label=_("E-mail (optional, private)"), required=False)
    show_name = forms.BooleanField(label=_("Show my name on the public board"), required=False)
    # The honeypot: hidden from people by CSS, filled in by robots. Out of the tab order too,
    # since it sits inside aria-hidden: no keyboard user lands on a field nobody can see.
    website = forms.CharField(
        required=False,
        label=_("Leave this empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, village: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.village = village
        self.categories = list(Category.objects.filter(village=village, active=True))
        self.fields["category"].queryset = Category.objects.filter(village=village, active=True)
        self.fields["lane"].queryset = Lane.objects.alive().filter(village=village)
        # Every category's questions are fields, so the page can show a category's questions
        # as soon as it is chosen; only the chosen category's answers are read (``clean``).
        self.question_keys: list[tuple[str, int, bool]] = []
        for category in self.categories:
            for question in category.live_questions():
                key = f"q_{category.pk}_{question['key']}"
                self.fields[key] = forms.CharField(
                    label=f"{category.name}: {question['label']}", required=False, max_length=200
                )
                self.question_keys.append((key, category.pk, bool(question.get("required"))))

    def question_fields(self) -> list[tuple[Any, int, bool]]:
        """(bound field, its category's id, required) for the template."""
        return [(self[key], pk, required) for key, pk, required in self.question_keys]

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone", "").strip()
        return normalize_phone(value) if value else ""

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise ValidationError(_("Your report could not be accepted."), code="honeypot")
        return ""

    def clean(self) -> dict:
        data = super().clean()
        category = data.get("category")
        chosen = category.pk if category is not None else None
        for key, pk, _required in self.question_keys:
            if pk != chosen:
                # A question of another category was not asked: whatever came is ignored.
                self.errors.pop(key, None)
                data.pop(key, None)
        answers = {}
        if category is not None:
            for question in category.live_questions():
                key = f"q_{category.pk}_{question['key']}"
                value = (data.get(key) or "").strip()
                if question.get("required") and not value and key not in self.errors:
                    self.add_error(
                        key,
                        ValidationError(
                            _("Answer: %(q)s"), params={"q": question["label"]}, code="answer"
                        ),
                    )
                if value:
                    answers[question["key"]] = value
        data["answers"] = answers
        return data

    def submission(self) -> Submission:
        d = self.cleaned_data
        return Submission(
            category=d["category"],
            description=d["description"],
            answers=d["answers"],
            lane=d.get("lane"),
            latitude=d.get("latitude"),
            longitude=d.get("longitude"),
            sign_code=d.get("sign") or "",
            reporter_name=d.get("name") or "",
            reporter_phone=d.get("phone") or "",
            reporter_email=d.get("email") or "",
            show_name=bool(d.get("show_name")),
        )


class TransitionForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    text = forms.CharField(
        label=_("Public note (required to close)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    forwarded_to = forms.CharField(label=_("Forwarded to"), required=False, max_length=150)
    forwarded_on = forms.DateField(
        label=_("Forwarded on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    duplicate_of = forms.CharField(
        label=_("Tracking code of the original report"), required=False, max_length=16
    )
    result_photo = PhotosField(label=_("Photo of the result (optional)"), required=False)

    def __init__(self, *args: Any, report: Report, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = TRANSITIONS.get(report.status, frozenset())
        self.fields["status"].choices = [(v, label) for v, label in Status.choices if v in allowed]
        self.fields["result_photo"].widget.attrs.pop("multiple", None)

    def clean_result_photo(self) -> Any:
        photos = self.cleaned_data.get("result_photo") or []
        if len(photos) > 1:
            raise ValidationError(_("One photo of the result at most."))
        return photos[0] if photos else None


class TextForm(forms.Form):
    text = forms.CharField(
        label=_("Text"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RateForm(forms.Form):
    satisfied = forms.TypedChoiceField(
        label=_("Are you satisfied with the outcome?"),
        choices=[("yes", _("Satisfied")), ("no", _("Not satisfied"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CategoryForm(forms.Form):
    """A category's name and deadlines; ``active`` only when editing one that exists."""

    name = forms.CharField(
        label=_("Name"), max_length=100, error_messages={"required": _("Name the category.")}
    )
    description = forms.CharField(label=_("Description (optional)"), max_length=255, required=False)
    urgent = forms.BooleanField(
        label=_("Urgent (handled within clock hours, nights and holidays included)"),
        required=False,
    )
    sensitive = forms.BooleanField(
        label=_("Sensitive: reports stay private until a staff member publishes them"),
        required=False,
    )
    ack_hours = forms.IntegerField(
        label=_("Acknowledge within (working hours)"),
        initial=8,
        min_value=1,
        max_value=MAX_HOURS,
        error_messages=HOURS_ERRORS,
    )
    resolve_hours = forms.IntegerField(
        label=_("Handle within (hours)"),
        required=False,
        min_value=1,
        max_value=MAX_HOURS,
        error_messages=HOURS_ERRORS,
        help_text=_("Clock hours for urgent categories, working hours otherwise; empty: none."),
    )
    active = forms.BooleanField(label=_("Offered on the report form"), required=False)

    def __init__(self, *args: Any, creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if creating:
            del self.fields["active"]

    @staticmethod
    def initial_for(category: Category) -> dict[str, Any]:
        return {
            "name": category.name,
            "description": category.description,
            "urgent": category.urgent,
            "sensitive": category.sensitive,
            "ack_hours": category.ack_hours,
            "resolve_hours": category.resolve_hours,
            "active": category.active,
        }


class QuestionForm(forms.Form):
    label = forms.CharField(
        label=_("Question"),
        max_length=150,
        error_messages={
            "required": _("Write the question."),
            "max_length": _("A question has at most 150 characters."),
        },
    )
    required = forms.BooleanField(label=_("Must be answered"), required=False)
