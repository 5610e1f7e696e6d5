"""Staff pages of the household registry: list, household page, forms and operations."""

import json
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import (
    access_object,
    current_village,
    require_roles,
    roles_in_village,
    staff_required,
    village_roles,
)
from accounts.roles import COMMUNE_ROLES
from households import services
from households.access import EDITOR_ROLES, access_household, access_resident, editor_required
from households.forms import (
    ChangeHeadForm,
    ConsentForm,
    HouseholdForm,
    LeaveForm,
    MergeForm,
    MoveForm,
    OpenRecordForm,
    ReasonForm,
    ResidentForm,
    SplitForm,
    StatusForm,
)
from households.history import change_context, entries_for
from households.models import Household, Lane, RecordAccess, Resident
from households.selectors import households_filtered, name_matches, search_words
from households.visibility import (
    ALL_RESIDENT_FIELDS,
    NAME_ROLES,
    OPENED_RECORD_FIELDS,
    can_edit,
    resident_fields,
)
from villageportal.forms import error_text, form_page
from villageportal.images import clean_image

OPENED_SESSION_KEY = "opened_records"
OPEN_RECORD_MINUTES = 30
PAGE_SIZE = 50


def _record_is_open(request: HttpRequest, household: Household) -> bool:
    opened = request.session.get(OPENED_SESSION_KEY, {})
    until = opened.get(str(household.pk))
    return bool(until) and until > timezone.now().isoformat()


def _fields_for(request: HttpRequest, household: Household) -> frozenset[str]:
    roles = roles_in_village(user=request.user, village=household.village)
    fields = resident_fields(roles, superuser=request.user.is_superuser)
    if roles & COMMUNE_ROLES and _record_is_open(request, household):
        fields |= OPENED_RECORD_FIELDS
    return fields


# ---------------------------------------------------------------------------------------
# Reading


@require_GET
@staff_required
def household_list(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    roles = village_roles(request)
    households = households_filtered(
        user=request.user, village=village, roles=roles, params=request.GET
    )
    members = (
        Resident.objects.current()
        .filter(household=OuterRef("pk"))
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values("n")
    )
    households = households.annotate(
        member_count=Coalesce(Subquery(members, output_field=IntegerField()), 0)
    )
    show_names = bool(roles & NAME_ROLES) or request.user.is_superuser
    if show_names:
        head = Resident.objects.current().filter(household=OuterRef("pk"), is_head=True)
        households = households.annotate(head_name=Subquery(head.values("full_name")[:1]))
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
    words = search_words(request.GET.get("q", "")[:100])
    if show_names and words:
        _attach_matching_members(page.object_list, words)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "households/household_list.html",
        {
            "page": page,
            "show_names": show_names,
            "can_edit": can_edit(roles, superuser=request.user.is_superuser),
            "lanes": Lane.objects.alive().filter(village=village),
            "statuses": Household.Status.choices,
            "params": request.GET,
            "query_string": query.urlencode(),
        },
    )


def _attach_matching_members(households: Any, words: list[str]) -> None:
    """Who in each household the search found, to show in the row (names roles only)."""
    rows = list(households)
    found: dict[int, list[Resident]] = {h.pk: [] for h in rows}
    for person in Resident.objects.current().filter(household__in=rows).order_by("-is_head", "pk"):
        if name_matches(person.full_name, words):
            found[person.household_id].append(person)
    for household in rows:
        household.matching_members = found[household.pk]


@require_GET
@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = access_household(user=request.user, pk=pk)
    roles = roles_in_village(user=request.user, village=household.village)
    fields = _fields_for(request, household)
    residents = list(Resident.objects.alive().filter(household=household))
    hidden = ALL_RESIDENT_FIELDS - fields
    history = sorted(
        entries_for(
            household.events.select_related("pgh_context").order_by("pgh_id"),
            subject="household",
            tracked_model=Household,
        )
        + entries_for(
            Resident.pgh_event_model.objects.filter(
                Q(household_id=household.pk) | Q(pgh_obj_id__in=[r.pk for r in residents])
            )
            .select_related("pgh_context")
            .order_by("pgh_id"),
            subject="resident",
            tracked_model=Resident,
            hidden=frozenset(hidden | ({"full_name"} if "full_name" in hidden else set())),
            label=lambda e: e.full_name if "full_name" in fields else _("a resident"),
        ),
        key=lambda entry: entry.when,
        reverse=True,
    )
    return render(
        request,
        "households/household_detail.html",
        {
            "household": household,
            "current": [r for r in residents if r.left_on is None],
            "former": [r for r in residents if r.left_on is not None],
            "fields": fields,
            "can_edit": can_edit(roles, superuser=request.user.is_superuser),
            "must_open": bool(roles & COMMUNE_ROLES) and "full_name" not in fields,
            "open_form": OpenRecordForm(),
            "history": history,
            "accesses": RecordAccess.objects.filter(household=household)[:20]
            if can_edit(roles, superuser=request.user.is_superuser)
            else [],
            "today": timezone.localdate(),
        },
    )


@require_POST
@login_required
def household_open(request: HttpRequest, pk: int) -> HttpResponse:
    """A commune official opens one household's personal record; the opening is logged."""
    household = access_household(user=request.user, pk=pk, roles=COMMUNE_ROLES)
    form = OpenRecordForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why you open this record."))
        return redirect("household_detail", pk=household.pk)
    try:
        services.record_open(
            household=household, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("household_detail", pk=household.pk)
    opened = request.session.get(OPENED_SESSION_KEY, {})
    until = timezone.now() + timedelta(minutes=OPEN_RECORD_MINUTES)
    opened[str(household.pk)] = until.isoformat()
    request.session[OPENED_SESSION_KEY] = opened
    messages.info(
        request,
        _("The record is open for %(minutes)d minutes; the opening was logged.")
        % {"minutes": OPEN_RECORD_MINUTES},
    )
    return redirect("household_detail", pk=household.pk)


# ---------------------------------------------------------------------------------------
# Writing


@require_http_methods(["GET", "POST"])
@editor_required
def household_create(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    form = HouseholdForm(request.POST or None, village=village)
    head = ResidentForm(request.POST or None, head=True, prefix="head")
    return form_page(
        request,
        template="households/form_page.html",
        form=form,
        extra_forms=(head,),
        title=_("New household"),
        perform=lambda data: services.household_create(
            village=village, by=request.user, head=head.cleaned_data, **data
        ),
        success=lambda household: reverse("household_detail", args=[household.pk]),
        done=_("The household was registered."),
    )


@require_http_methods(["GET", "POST"])
@login_required
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = access_household(user=request.user, pk=pk, roles=EDITOR_ROLES)
    form = HouseholdForm(request.POST or None, instance=household, village=household.village)
    return form_page(
        request,
        template="households/form_page.html",
        form=form,
        title=_("Edit household %(number)s") % {"number": household.house_number},
        perform=lambda data: services.household_update(
            household=household, by=request.user, **data
        ),
        success=lambda h: reverse("household_detail", args=[h.pk]),
        done=_("The household was saved."),
        context={"household": household},
    )


@require_http_methods(["GET", "POST"])
@login_required
def household_status(request: HttpRequest, pk: int) -> HttpResponse:
    household = access_household(user=request.user, pk=pk, roles=EDITOR_ROLES)
    form = StatusForm(request.POST or None, initial={"status": household.status})
    return form_page(
        request,
        template="households/form_page.html",
        form=form,
        title=_("Status of household %(number)s") % {"number": household.house_number},
        perform=lambda data: services.household_set_status(
            household=household, by=request.user, status=data["status"], on=data["on"]
        ),
        success=lambda h: reverse("household_detail", args=[h.pk]),
        done=_("The status was changed."),
        context={"household": household},
    )


@require_http_methods(["GET", "POST"])
@login_required
def household_consent(request: HttpRequest, pk: int) -> HttpResponse:
    household = access_household(user=request.user, pk=pk, roles=EDITOR_ROLES)
    form = ConsentForm(
        request.POST or None, initial={"consent": "1" if household.head_name_public else "0"}
    )
    return form_page(
        request,
        template="households/form_page.html",
        form=form,
        title=_("Consent to show the head's name"),
        perform=lambda data: services.household_record_consent(
            household=household, by=request.user, consent=data["consent"]
        ),
        success=lambda h: reverse("household_detail", args=[h.pk]),
        done=_("The household's choice was recorded."),
        context={"household": household},
    )


@require_http_methods(["GET", "POST"])
@login_required
def household_delete(request: HttpRequest, pk: int) -> HttpResponse:
    household = access_household(user=request.user, pk=pk, roles=EDITOR_ROLES)
    return form_page(
        request,
        template="households/form_page.html",
        form=ReasonForm(request.POST or None),
        title=_("Delete household %(number)s") % {"number": household.house_number},
        perform=lambda data: services.household_delete(
            household=household, by=request.user, reason=data["reason"]
        ),
        success=lambda h: reverse("household_list"),
        done=_("The household was deleted; it stays in the history."),
        context={"household": household, "danger": True},
    )


@require_http_methods(["GET", "POST"])
@login_required
def household_change_head(request: HttpRequest, pk: int) -> HttpResponse:
    household = access_household(user=request.user, pk=pk, roles=EDITOR_ROLES)
    return form_page(
        request,
        template="households/form_page.html",
        form=ChangeHeadForm(request.POST or None, household=household),
        title=_("Change the head of household %(number)s") % {"number": household.house_number},
        perform=lambda data: services.household_change_head(
            household=household, new_head=data["new_head"], by=request.user
        ),
        success=lambda h: reverse("household_detail", args=[h.pk]),
        done=_("The head of the household was changed."),
        context={"household": household},
    )


@require_http_methods(["GET", "POST"])
@login_required
def household_split(request: HttpRequest, pk: int) -> HttpResponse:
    household = access_household(user=request.user, pk=pk, roles=EDITOR_ROLES)
    return form_page(
        request,
        template="households/form_page.html",
        form=SplitForm(request.POST or None, household=household),
        title=_("Split household %(number)s") % {"number": household.house_number},
        perform=lambda data: services.household_split(
            household=household,
            residents=list(data["members"]),
            new_head=data["new_head"],
            lane=data["lane"],
            house_number=data["house_number"],
            by=request.user,
        ),
        success=lambda new: reverse("household_detail", args=[new.pk]),
        done=_("The new household was registered."),
        context={"household": household},
    )


@require_http_methods(["GET", "POST"])
@login_required
def household_merge(request: HttpRequest, pk: int) -> HttpResponse:
    household = access_household(user=request.user, pk=pk, roles=EDITOR_ROLES)
    return form_page(
        request,
        template="households/form_page.html",
        form=MergeForm(request.POST or None, household=household),
        title=_("Merge household %(number)s into another") % {"number": household.house_number},
        perform=lambda data: services.household_merge(
            source=household, target=data["target"], by=request.user
        ),
        success=lambda target: reverse("household_detail", args=[target.pk]),
        done=_("The households were merged."),
        context={"household": household},
    )


@require_http_methods(["GET", "POST"])
@login_required
def resident_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = access_household(user=request.user, pk=pk, roles=EDITOR_ROLES)
    return form_page(
        request,
        template="households/form_page.html",
        form=ResidentForm(request.POST or None),
        title=_("Add a member to household %(number)s") % {"number": household.house_number},
        perform=lambda data: services.resident_add(household=household, by=request.user, **data),
        success=lambda r: reverse("household_detail", args=[household.pk]),
        done=_("The member was added."),
        context={"household": household},
    )


@require_http_methods(["GET", "POST"])
@login_required
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = access_resident(user=request.user, pk=pk)
    return form_page(
        request,
        template="households/form_page.html",
        form=ResidentForm(request.POST or None, instance=resident, head=resident.is_head),
        title=_("Edit %(name)s") % {"name": resident.full_name},
        perform=lambda data: services.resident_update(resident=resident, by=request.user, **data),
        success=lambda r: reverse("household_detail", args=[r.household_id]),
        done=_("The member's record was saved."),
        context={"household": resident.household},
    )


@require_http_methods(["GET", "POST"])
@login_required
def resident_leave(request: HttpRequest, pk: int) -> HttpResponse:
    resident = access_resident(user=request.user, pk=pk)
    return form_page(
        request,
        template="households/form_page.html",
        form=LeaveForm(request.POST or None, resident=resident),
        title=_("%(name)s no longer lives here") % {"name": resident.full_name},
        perform=lambda data: services.resident_leave(
            resident=resident, by=request.user, on=data["on"], new_head=data["new_head"]
        ),
        success=lambda r: reverse("household_detail", args=[r.household_id]),
        done=_("The member was marked as having left."),
        context={"household": resident.household},
    )


@require_http_methods(["GET", "POST"])
@login_required
def resident_move(request: HttpRequest, pk: int) -> HttpResponse:
    resident = access_resident(user=request.user, pk=pk)
    return form_page(
        request,
        template="households/form_page.html",
        form=MoveForm(request.POST or None, resident=resident),
        title=_("Move %(name)s to another household") % {"name": resident.full_name},
        perform=lambda data: services.resident_move(
            resident=resident,
            to_household=data["to_household"],
            relationship=data["relationship"],
            new_head=data["new_head"],
            by=request.user,
        ),
        success=lambda r: reverse("household_detail", args=[r.household_id]),
        done=_("The member was moved."),
        context={"household": resident.household},
    )


@require_http_methods(["GET", "POST"])
@login_required
def resident_delete(request: HttpRequest, pk: int) -> HttpResponse:
    resident = access_resident(user=request.user, pk=pk)
    return form_page(
        request,
        template="households/form_page.html",
        form=ReasonForm(request.POST or None),
        title=_("Delete the record of %(name)s") % {"name": resident.full_name},
        perform=lambda data: services.resident_delete(
            resident=resident, by=request.user, reason=data["reason"]
        ),
        success=lambda r: reverse("household_detail", args=[r.household_id]),
        done=_("The record was deleted; it stays in the history."),
        context={"household": resident.household, "danger": True},
    )


# ---------------------------------------------------------------------------------------
# Lanes


class LaneForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    sort_order = forms.IntegerField(label=gettext_lazy("Order"), min_value=0, required=False)


class LaneEditForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    sort_order = forms.IntegerField(label=gettext_lazy("Order"), min_value=0, max_value=100000)
    sketch = forms.FileField(
        label=gettext_lazy("Sketch"),
        required=False,
        help_text=gettext_lazy(
            "A photo or drawing of the lane (JPEG, PNG, WebP or HEIC); it is shown "
            "on the public lane page, resized and without its metadata."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    remove_sketch = forms.BooleanField(
        label=gettext_lazy("Remove the current sketch"), required=False
    )
    geometry = forms.CharField(
        label=gettext_lazy("Course (GeoJSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "A LineString of [longitude, latitude] points, for example from a GPS "
            "track or a map editor. Leave empty if unknown."
        ),
    )

    def clean_sketch(self) -> Any:
        upload = self.cleaned_data.get("sketch")
        return clean_image(upload, max_side=1600, prefix="lane") if upload else None

    def clean_geometry(self) -> Any:
        try:
            return services.clean_geometry(self.cleaned_data.get("geometry"))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["geometry"]) from exc


@require_http_methods(["GET", "POST"])
@login_required
def lane_edit(request: HttpRequest, pk: int) -> HttpResponse:
    lane = access_object(Lane.objects.alive(), user=request.user, pk=pk)
    require_roles(user=request.user, village=lane.village, roles=EDITOR_ROLES)
    initial = {
        "name": lane.name,
        "sort_order": lane.sort_order,
        "geometry": json.dumps(lane.geometry) if lane.geometry else "",
    }
    form = LaneEditForm(request.POST or None, request.FILES or None, initial=initial)
    return form_page(
        request,
        template="households/form_page.html",
        form=form,
        title=_("Edit lane %(name)s") % {"name": lane.name},
        perform=lambda data: services.lane_update(lane=lane, by=request.user, **data),
        success=lambda _lane: reverse("lane_list"),
        done=_("The lane was saved."),
        context={"lane": lane},
    )


@require_GET
@staff_required
def lane_list(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    roles = village_roles(request)
    households = (
        Household.objects.active()
        .filter(lane=OuterRef("pk"))
        .order_by()
        .values("lane")
        .annotate(n=Count("pk"))
        .values("n")
    )
    lanes = (
        Lane.objects.alive()
        .filter(village=village)
        .annotate(household_count=Coalesce(Subquery(households, output_field=IntegerField()), 0))
    )
    return render(
        request,
        "households/lane_list.html",
        {
            "lanes": lanes,
            "form": LaneForm(),
            "can_edit": can_edit(roles, superuser=request.user.is_superuser),
        },
    )


@require_POST
@editor_required
def lane_create(request: HttpRequest) -> HttpResponse:
    form = LaneForm(request.POST)
    if form.is_valid():
        try:
            services.lane_create(
                village=current_village(request),
                by=request.user,
                name=form.cleaned_data["name"],
                sort_order=form.cleaned_data["sort_order"] or 0,
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("The lane was added."))
    else:
        messages.error(request, _("Enter the lane's name."))
    return redirect("lane_list")


@require_POST
@login_required
def lane_rename(request: HttpRequest, pk: int) -> HttpResponse:
    lane = access_object(Lane.objects.alive(), user=request.user, pk=pk)
    require_roles(user=request.user, village=lane.village, roles=EDITOR_ROLES)
    try:
        services.lane_rename(lane=lane, by=request.user, name=request.POST.get("name", ""))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The lane was renamed."))
    return redirect("lane_list")


@require_GET
@staff_required
def household_map(request: HttpRequest) -> HttpResponse:
    """The village's households on a map; the list beside it works without the map."""
    from django.conf import settings

    village = current_village(request)
    roles = village_roles(request)
    show_names = bool(roles & NAME_ROLES) or request.user.is_superuser
    households = (
        Household.objects.visible_to(request.user)
        .active()
        .filter(village=village, latitude__isnull=False, longitude__isnull=False)
        .select_related("lane")
        .order_by("lane__sort_order", "house_number_key")
    )
    if show_names:
        head = Resident.objects.current().filter(household=OuterRef("pk"), is_head=True)
        households = households.annotate(head_name=Subquery(head.values("full_name")[:1]))
    points = [
        {
            "lat": float(h.latitude),
            "lon": float(h.longitude),
            "label": f"{h.house_number}, {h.lane.name if h.lane else ''}".strip(", "),
            "head": getattr(h, "head_name", "") or "",
            "url": reverse("household_detail", args=[h.pk]),
        }
        for h in households
    ]
    return render(
        request,
        "households/household_map.html",
        {
            "points": points,
            "households": households,
            "show_names": show_names,
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
            "missing": Household.objects.active()
            .filter(village=village)
            .filter(Q(latitude__isnull=True) | Q(longitude__isnull=True))
            .count(),
        },
    )


# ---------------------------------------------------------------------------------------
# A resident's own household


def _own_resident(request: HttpRequest) -> Resident:
    from django.http import Http404

    resident = (
        Resident.objects.current()
        .select_related("household__lane", "household__village")
        .filter(account=request.user, household__deleted_at__isnull=True)
        .first()
    )
    if resident is None:
        raise Http404
    return resident


@require_GET
@login_required
def my_household(request: HttpRequest) -> HttpResponse:
    """What the registry holds about the signed-in resident's household.

    Members are listed with names, relationships and birth dates; ID number and phone are
    shown for the person themselves only.
    """
    me = _own_resident(request)
    household = me.household
    return render(
        request,
        "households/my_household.html",
        {
            "me": me,
            "household": household,
            "members": Resident.objects.current().filter(household=household),
            "is_head": me.is_head,
            "consent_form": ConsentForm(
                initial={"consent": "1" if household.head_name_public else "0"}
            ),
        },
    )


@require_POST
@login_required
def my_household_consent(request: HttpRequest) -> HttpResponse:
    """The head of household decides whether their name appears on the public lane page."""
    from django.core.exceptions import PermissionDenied

    me = _own_resident(request)
    if not me.is_head:
        raise PermissionDenied
    form = ConsentForm(request.POST)
    if form.is_valid():
        with change_context(user=request.user, source="web", url=request.path):
            services.household_record_consent(
                household=me.household, by=request.user, consent=form.cleaned_data["consent"]
            )
        messages.success(request, _("Your choice was recorded."))
    return redirect("my_household")
