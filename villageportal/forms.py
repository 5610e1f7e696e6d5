"""Form pages shared by the apps: call a service from a valid form and show what it refused."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

T = TypeVar("T")


def error_text(exc: ValidationError) -> str:
    """A service's refusal as one line of text, for a flash message or a non-field error."""
    return " ".join(exc.messages)


def attach_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's `ValidationError` on the form: on its fields when it names them.

    A message dict names fields; a name the form does not have (a model field the form leaves
    out, or `__all__`) becomes a non-field error, so no message is lost. A plain message or
    list becomes a non-field error.
    """
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def form_call(form: forms.BaseForm, perform: Callable[[], T]) -> tuple[bool, T | None]:
    """Call the service; on `ValidationError` attach it to the form.

    Returns (True, the service's result) or (False, None): a service may return None, so the
    flag, not the result, says whether it went through.
    """
    try:
        result = perform()
    except ValidationError as exc:
        attach_errors(form, exc)
        return False, None
    return True, result


def form_page(
    request: HttpRequest,
    *,
    form: forms.BaseForm,
    template: str,
    title: str,
    perform: Callable[[dict[str, Any]], Any],
    success: Callable[[Any], str],
    done: str,
    context: dict[str, Any] | None = None,
    extra_forms: Iterable[forms.BaseForm] = (),
) -> HttpResponse:
    """GET shows the form; POST validates, calls the service and redirects, or shows errors.

    `perform` gets the form's cleaned data and calls the service; `success` turns its result
    into the address to go to; `done` is the message shown there. A refused POST answers 400.
    """
    extra_forms = tuple(extra_forms)
    if request.method == "POST":
        valid = [f.is_valid() for f in (form, *extra_forms)]  # all of them, for every error
        if all(valid):
            ok, result = form_call(form, lambda: perform(form.cleaned_data))
            if ok:
                messages.success(request, done)
                return redirect(success(result))
    return render(
        request,
        template,
        {"form": form, "extra_forms": extra_forms, "title": title, **(context or {})},
        status=400 if request.method == "POST" else 200,
    )
