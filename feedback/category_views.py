"""Staff pages for a village's report categories: deadlines, order, retirement, questions.

Village heads and officers edit them; the rest of the village team reads the list. A
category of another village answers 404, like one that does not exist.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import (
    current_village,
    village_roles,
)
from feedback import services
from feedback.access import EDITOR_ROLES, access_category, editor_required, staff_required
from feedback.forms import CategoryForm, QuestionForm
from feedback.models import Category
from villageportal.forms import error_text


def _question_key(category: Category, key: str) -> str:
    if category.question(key) is None:
        raise Http404
    return key


def _up(request: HttpRequest) -> bool | None:
    direction = request.POST.get("direction", "")
    return {"up": True, "down": False}.get(direction)


@require_GET
@staff_required
def category_list(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    services.categories_ensure_defaults(village=village)
    categories = (
        Category.objects.filter(village=village)
        .annotate(report_count=Count("reports"))
        .order_by("sort_order", "name")
    )
    can_edit = request.user.is_superuser or bool(village_roles(request) & EDITOR_ROLES)
    return render(
        request,
        "feedback/category_list.html",
        {"categories": categories, "can_edit": can_edit, "village": village},
    )


@require_http_methods(["GET", "POST"])
@editor_required
def category_add(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    form = CategoryForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            category = services.category_create(
                village=village,
                name=data["name"],
                description=data["description"],
                urgent=data["urgent"],
                sensitive=data["sensitive"],
                ack_hours=data["ack_hours"],
                resolve_hours=data["resolve_hours"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The category was added. You can add questions to it."))
            return redirect("feedback_category_edit", pk=category.pk)
    return render(
        request,
        "feedback/category_add.html",
        {"form": form, "village": village},
        status=400 if request.method == "POST" else 200,
    )


def _edit_page(
    request: HttpRequest,
    category: Category,
    *,
    form: CategoryForm | None = None,
    new_question: QuestionForm | None = None,
    failed_key: str = "",
    failed_form: QuestionForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    questions = []
    for question in category.questions or []:
        key = question["key"]
        item: dict[str, Any] = {
            "key": key,
            "label": question["label"],
            "required": bool(question.get("required")),
            "retired": bool(question.get("retired")),
            "answered": services.question_answered(category=category, key=key),
        }
        if not item["retired"]:
            item["form"] = (
                failed_form
                if key == failed_key and failed_form is not None
                else QuestionForm(
                    initial={"label": item["label"], "required": item["required"]},
                    auto_id=f"q-{key}-%s",
                )
            )
        questions.append(item)
    return render(
        request,
        "feedback/category_edit.html",
        {
            "category": category,
            "form": form or CategoryForm(initial=CategoryForm.initial_for(category)),
            "live": [q for q in questions if not q["retired"]],
            "retired": [q for q in questions if q["retired"]],
            "new_question": new_question or QuestionForm(auto_id="new-%s"),
            "error": error,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    category = access_category(user=request.user, pk=pk)
    if request.method == "GET":
        return _edit_page(request, category)
    form = CategoryForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.category_update(category=category, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The category was saved."))
            return redirect("feedback_category_edit", pk=category.pk)
    return _edit_page(request, category, form=form, status=400)


@require_POST
@login_required
def category_move(request: HttpRequest, pk: int) -> HttpResponse:
    category = access_category(user=request.user, pk=pk)
    up = _up(request)
    if up is None:
        messages.error(request, _("Choose to move it up or down."))
    else:
        services.category_move(category=category, up=up)
    return redirect("feedback_category_list")


@require_POST
@login_required
def category_remove(request: HttpRequest, pk: int) -> HttpResponse:
    category = access_category(user=request.user, pk=pk)
    name = category.name
    try:
        deleted = services.category_remove(category=category)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("feedback_category_list")
    if deleted:
        messages.success(request, _("The category “%(name)s” was deleted.") % {"name": name})
    else:
        messages.success(
            request,
            _(
                "Reports use the category “%(name)s”, so it is retired: kept with its reports, "
                "no longer offered on the form."
            )
            % {"name": name},
        )
    return redirect("feedback_category_list")


@require_POST
@login_required
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    category = access_category(user=request.user, pk=pk)
    form = QuestionForm(request.POST, auto_id="new-%s")
    if form.is_valid():
        try:
            services.question_add(category=category, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The question was added."))
            return redirect("feedback_category_edit", pk=category.pk)
    category.refresh_from_db()
    return _edit_page(request, category, new_question=form, status=400)


@require_POST
@login_required
def question_edit(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    category = access_category(user=request.user, pk=pk)
    key = _question_key(category, key)
    form = QuestionForm(request.POST, auto_id=f"q-{key}-%s")
    if form.is_valid():
        try:
            services.question_update(category=category, key=key, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The question was saved."))
            return redirect("feedback_category_edit", pk=category.pk)
    category.refresh_from_db()
    return _edit_page(request, category, failed_key=key, failed_form=form, status=400)


@require_POST
@login_required
def question_move(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    category = access_category(user=request.user, pk=pk)
    key = _question_key(category, key)
    up = _up(request)
    if up is None:
        messages.error(request, _("Choose to move it up or down."))
    else:
        services.question_move(category=category, key=key, up=up)
    return redirect("feedback_category_edit", pk=category.pk)


@require_POST
@login_required
def question_remove(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    category = access_category(user=request.user, pk=pk)
    key = _question_key(category, key)
    if services.question_remove(category=category, key=key):
        messages.success(request, _("The question was deleted."))
    else:
        messages.success(
            request,
            _("Reports have answered this question, so it is retired and its answers are kept."),
        )
    return redirect("feedback_category_edit", pk=category.pk)


@require_POST
@login_required
def question_restore(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    category = access_category(user=request.user, pk=pk)
    key = _question_key(category, key)
    try:
        services.question_restore(category=category, key=key)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The question is asked again."))
    return redirect("feedback_category_edit", pk=category.pk)
