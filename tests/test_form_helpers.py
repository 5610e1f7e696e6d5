"""The shared form-page helper: a service's refusal lands on the form, nothing is lost."""

from django import forms
from django.core.exceptions import ValidationError

from villageportal.forms import attach_errors, error_text, form_call


class NameForm(forms.Form):
    name = forms.CharField()


def _valid_form() -> NameForm:
    form = NameForm({"name": "Ngõ 3"})
    assert form.is_valid()
    return form


def test_it_puts_a_message_dict_on_the_fields_the_form_has() -> None:
    form = _valid_form()
    attach_errors(
        form, ValidationError({"name": ["Tên đã có."], "lane": ["Ngõ không thuộc thôn."]})
    )
    assert form.errors["name"] == ["Tên đã có."]
    assert form.non_field_errors() == ["Ngõ không thuộc thôn."]


def test_it_puts_a_message_list_among_the_non_field_errors() -> None:
    form = _valid_form()
    attach_errors(form, ValidationError(["Một.", "Hai."]))
    assert form.non_field_errors() == ["Một.", "Hai."]
    assert not form.is_valid()


def test_error_text_joins_the_messages() -> None:
    assert error_text(ValidationError(["Một.", "Hai."])) == "Một. Hai."
    assert error_text(ValidationError({"name": ["Ba."]})) == "Ba."


def test_form_call_says_whether_the_service_went_through_even_when_it_returns_none() -> None:
    form = _valid_form()
    assert form_call(form, lambda: None) == (True, None)

    def refuse() -> None:
        raise ValidationError("Không được.")

    assert form_call(form, refuse) == (False, None)
    assert form.non_field_errors() == ["Không được."]
