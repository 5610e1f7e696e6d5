"""Pages of the digital team: find a household, the door-to-door checklist, visits, work lists,
figures. Small HTML pages that work without scripts: they are used on phones over slow
networks (the checklist's one small script only hides the reasons that do not apply).
"""

import contextlib
import re
import uuid
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import (
    access_object,
    current_village,
    require_roles,
    staff_required,
    village_roles,
    villages_visible_to,
)
from households.models import Household, Lane, Resident
from households.selectors import households_filtered
from households.visibility import NAME_ROLES
from payments import camera_link, services
from payments.access import RECORDER_ROLES, access_household, recorder_required
from payments.denominators import age_on, with_latest
from payments.figures import SPEC_BY_CODE, SPECS, village_rows
from payments.models import (
    RESIDENT_ITEMS,
    Item,
    Method,
    Reason,
    Value,
    Visit,
    needs_reason,
    values_for,
)
from villageportal.charts import percent_line_chart

WORK_LISTS = ("vneid_level2_14plus", "epayment_working_age", "cashless_business")
PAGE_SIZE = 100
CODE_IN_TEXT = re.compile(r"[A-Za-z0-9_-]{6,16}")


def _as_of(request: HttpRequest) -> date:
    today = timezone.localdate()
    try:
        day = parse_date(request.GET.get("as_of") or "")
    except ValueError:
        day = None
    if day is None or day > today:
        return today
    return day


def _shows_names(request: HttpRequest) -> bool:
    return request.user.is_superuser or bool(village_roles(request) & NAME_ROLES)


def _path_of(text: str) -> str:
    """The path part of a pasted or scanned address (any host, with or without scheme)."""
    if "://" not in text:
        head = text.split("/", 1)[0]
        text = f"//{text}" if ("." in head or ":" in head) else text
    return urlsplit(text).path or ""


def _household_from_sign(village: Any, raw_code: str) -> Household | None:
    """The household a door-plate sign's short code opens, if it is one of ``village``."""
    from qrsigns.models import Sign, normalise_code

    code = normalise_code(raw_code)
    if code is None:
        return None
    sign = (
        Sign.objects.active()
        .filter(code=code, target=Sign.Target.HOUSEHOLD, household__isnull=False)
        .only("household_id")
        .first()
    )
    if sign is None:
        return None
    return (
        Household.objects.active()
        .filter(pk=sign.household_id, village=village)
        .select_related("lane")
        .first()
    )


def household_by_code(village: Any, text: str) -> Household | None:
    """A household of ``village`` from its door-plate code, or a URL or short link holding it.

    Understood: a sign's short address ``/q/<code>`` (or ``/Q/<code>``, as the QR codes carry
    it) on any host, resolved through the sign to the household it opens; the door-plate page
    ``/p/house/<code>/``; the bare door-plate code. A household of another village is not
    found.
    """
    text = (text or "").strip()
    if not text or len(text) > 300:
        return None
    if "/" in text:
        segments = [s for s in _path_of(text).split("/") if s]
        if len(segments) == 2 and segments[0] in ("q", "Q"):
            found = _household_from_sign(village, segments[1])
            if found is not None:
                return found
        if len(segments) == 3 and segments[:2] == ["p", "house"]:
            codes = [segments[2]]
        else:
            codes = [p for p in re.split(r"[/?#=&]", text) if p]
    else:
        codes = [text]
    codes = [c for c in codes if CODE_IN_TEXT.fullmatch(c)]
    if not codes:
        return None
    return (
        Household.objects.alive()
        .filter(village=village, public_code__in=codes)
        .select_related("lane")
        .first()
    )


def _looks_like_a_code(text: str) -> bool:
    """A scanned or pasted sign or door-plate address: never searched as a name."""
    if "/" not in text:
        return False
    segments = [s for s in _path_of(text.strip()).split("/") if s]
    return (len(segments) == 2 and segments[0] in ("q", "Q")) or segments[:2] == ["p", "house"]


# ---------------------------------------------------------------------------------------
# Finding a household


@require_GET
@recorder_required
def adoption_home(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    query = (request.GET.get("q") or "").strip()[:300]
    results = None
    if query:
        found = household_by_code(village, query)
        if found is not None:
            return redirect("payments_checklist", pk=found.pk)
        if _looks_like_a_code(query):
            results = []
        else:
            results = households_filtered(
                user=request.user,
                village=village,
                roles=village_roles(request),
                params={"q": query},
            )[:30]
    lanes = (
        Lane.objects.alive()
        .filter(village=village)
        .annotate(
            household_count=Count(
                "households",
                filter=Q(households__deleted_at__isnull=True, households__status="active"),
            )
        )
    )
    return render(
        request,
        "payments/home.html",
        {"query": query, "results": results, "lanes": lanes, "work_lists": _work_lists()},
    )


def _work_lists() -> list[Any]:
    return [SPEC_BY_CODE[code] for code in WORK_LISTS]


@require_GET
@login_required
def lane_households(request: HttpRequest, pk: int) -> HttpResponse:
    lane = access_object(Lane.objects.alive().select_related("village"), user=request.user, pk=pk)
    require_roles(user=request.user, village=lane.village, roles=RECORDER_ROLES)
    head = Resident.objects.current().filter(household=OuterRef("pk"), is_head=True)
    last_visit = Visit.objects.filter(household=OuterRef("pk")).order_by("-visited_on")
    households = (
        Household.objects.active()
        .in_lane(lane)
        .annotate(
            head_name=Subquery(head.values("full_name")[:1]),
            last_visit=Subquery(last_visit.values("visited_on")[:1]),
        )
    )
    return render(
        request,
        "payments/lane.html",
        {"lane": lane, "households": households, "show_names": _shows_names(request)},
    )


# ---------------------------------------------------------------------------------------
# The checklist


def _members(household: Household) -> list[Resident]:
    return list(
        Resident.objects.current()
        .filter(household=household)
        .order_by("-is_head", "birth_date", "pk")
    )


def _work_context(request: HttpRequest, household: Household) -> dict[str, Any] | None:
    """The work list the checklist was opened from (``?list=<code>&lane=<id>``), if any."""
    code = request.GET.get("list") or ""
    if code not in WORK_LISTS or household.village_id != current_village(request).pk:
        return None
    lane = request.GET.get("lane") or ""
    lane = lane if lane.isdigit() else ""
    query = urlencode({"list": code, **({"lane": lane} if lane else {})})
    list_url = reverse("payments_work_list", kwargs={"code": code})
    return {
        "spec": SPEC_BY_CODE[code],
        "query": query,
        "list_url": list_url + (f"?{urlencode({'lane': lane})}" if lane else ""),
    }


def _next_household(request: HttpRequest, spec: Any, household: Household) -> dict[str, Any]:
    """The household after ``household`` in the work list's order, and how many are left.

    The order is the list's (lane, house number); the household itself may have left the list
    on this very visit, so its place is found among all the village's households.
    """
    rows = _listing(request, spec, timezone.localdate(), show="missing")
    field = "household_id" if spec.subject == "resident" else "pk"
    on_list = set(rows.values_list(field, flat=True))
    order = list(
        Household.objects.filter(village_id=household.village_id)
        .order_by("lane__sort_order", "house_number_key", "pk")
        .values_list("pk", flat=True)
    )
    after = order[order.index(household.pk) + 1 :] if household.pk in order else order
    ahead = [pk for pk in after if pk in on_list]
    following = (
        Household.objects.select_related("lane").filter(pk=ahead[0]).first() if ahead else None
    )
    return {"household": following, "left": len(ahead)}


def _posted_choice(request: HttpRequest, name: str) -> tuple[str, str]:
    if request.method != "POST":
        return "", ""
    return request.POST.get(name, ""), request.POST.get(f"{name}-reason", "")


def _checklist_context(
    request: HttpRequest,
    household: Household,
    *,
    errors: list[str] | None = None,
    row_errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    today = timezone.localdate()
    members = _members(household)
    current = services.current_values(household=household, residents=members, day=today)
    row_errors = row_errors or {}
    people = []
    for person in members:
        age = age_on(person.birth_date, today) if person.birth_date else None
        rows = []
        for item in RESIDENT_ITEMS:
            if item == Item.VNEID and age is not None and age < 14:
                continue
            name = f"r{person.pk}-{item}"
            rows.append(_item_row(request, name, item, current.get((person.pk, item)), row_errors))
        people.append({"person": person, "age": age, "rows": rows})
    household_rows = [
        _item_row(request, f"h-{item}", item, current.get((None, item)), row_errors)
        for item in services.items_for_household(household)
    ]
    if camera_link.available():
        for row in household_rows:
            if row["item"] == Item.CAMERA:
                row["registry"] = {"cameras": camera_link.joined_cameras(household, today)}
    visits = Visit.objects.filter(household=household).select_related("visited_by")[:5]
    work = _work_context(request, household)
    helped = request.POST.getlist("helped_with") if request.method == "POST" else []
    return {
        "household": household,
        "people": people,
        "household_rows": household_rows,
        "reasons": Reason.choices,
        "methods": Method.choices,
        "items": [(v, label, v in helped) for v, label in Item.choices],
        "token": request.POST.get("token") or uuid.uuid4(),
        "today": today,
        "observed_on": request.POST.get("observed_on") or today.isoformat(),
        "method": request.POST.get("method") or Method.SEEN,
        "errors": errors or [],
        "visits": visits,
        "posted": request.POST,
        "work": work,
        "next": _next_household(request, work["spec"], household) if work else None,
    }


def _item_row(
    request: HttpRequest, name: str, item: str, current: Any, row_errors: dict[str, str]
) -> dict[str, Any]:
    chosen, reason = _posted_choice(request, name)
    return {
        "name": name,
        "item": item,
        "label": Item(item).label,
        "values": [(v, _value_label(v), needs_reason(v)) for v in values_for(item)],
        "chosen": chosen,
        "chosen_reason": reason,
        "current": current,
        "registry": None,
        "error": row_errors.get(name, ""),
    }


def _value_label(value: str) -> str:
    return str(Value(value).label)


@require_GET
@login_required
def checklist(request: HttpRequest, pk: int) -> HttpResponse:
    household = access_household(user=request.user, pk=pk)
    return render(request, "payments/checklist.html", _checklist_context(request, household))


def _entries_from_post(
    request: HttpRequest, household: Household, row_errors: dict[str, str]
) -> list[services.Entry]:
    """The values of the form; a value that is not adopted needs its reason (``row_errors``).

    A reason sent with an adopted value (chosen, then the answer changed on a page without
    scripts) is dropped, not refused: the value is what the team meant.
    """
    members = {
        str(r.pk): r for r in Resident.objects.alive().filter(household__village=household.village)
    }
    entries = []
    for key, value in request.POST.items():
        if not value or key.endswith("-reason"):
            continue
        reason = request.POST.get(f"{key}-reason", "") if needs_reason(value) else ""
        if key.startswith("h-"):
            entry = services.Entry(item=key[2:], value=value, reason=reason)
        elif key.startswith("r") and "-" in key:
            resident_id, item = key[1:].split("-", 1)
            resident = members.get(resident_id)
            if resident is None:
                raise ValidationError(_("A person in the form is not a resident of this village."))
            entry = services.Entry(item=item, value=value, reason=reason, resident=resident)
        else:
            continue
        if entry.item in Item.values and value in Value.values and needs_reason(value):
            reason_error = _missing_reason(entry)
            if reason_error:
                row_errors[key] = reason_error
        entries.append(entry)
    return entries


def _missing_reason(entry: services.Entry) -> str:
    if entry.reason:
        return ""
    label = Item(entry.item).label
    if entry.resident is not None:
        return _("Choose why %(name)s does not use it yet: %(item)s.") % {
            "name": entry.resident.full_name,
            "item": label,
        }
    return _("Choose why the household does not use it yet: %(item)s.") % {"item": label}


@require_POST
@login_required
def checklist_save(request: HttpRequest, pk: int) -> HttpResponse:
    household = access_household(user=request.user, pk=pk)
    errors: list[str] = []
    row_errors: dict[str, str] = {}
    try:
        token = uuid.UUID(request.POST.get("token", ""))
    except ValueError:
        token = None
        errors.append(_("The form is incomplete; open the page again."))
    observed_on = None
    with contextlib.suppress(ValueError):
        observed_on = parse_date(request.POST.get("observed_on") or "")
    if observed_on is None:
        errors.append(_("Enter the date of the visit (day/month/year)."))
    if not errors:
        try:
            entries = _entries_from_post(request, household, row_errors)
            if row_errors:
                raise ValidationError(list(row_errors.values()))
            outcome = services.adoption_record(
                household=household,
                entries=entries,
                observed_on=observed_on,
                method=request.POST.get("method", ""),
                by=request.user,
                submission_token=token,
                helped_with=request.POST.getlist("helped_with"),
                note=request.POST.get("note", "")[:500],
            )
        except ValidationError as exc:
            errors.extend(exc.messages)
        else:
            if outcome.duplicate:
                messages.info(request, _("This visit was already saved."))
            else:
                messages.success(
                    request,
                    _("Visit saved: %(n)d values recorded.") % {"n": len(outcome.observations)},
                )
            url = reverse("payments_checklist", kwargs={"pk": household.pk})
            work = _work_context(request, household)
            return redirect(url + (f"?{work['query']}#next" if work else ""))
    context = _checklist_context(request, household, errors=errors, row_errors=row_errors)
    return render(request, "payments/checklist.html", context, status=400)


@require_GET
@recorder_required
def visit_log(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    visits = (
        Visit.objects.visible_to(request.user)
        .filter(village=village)
        .select_related("household__lane")
        .annotate(values=Count("observations"))
        .order_by("-visited_on", "-created_at", "-pk")
    )
    page = Paginator(visits, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = dict(Item.choices)
    for visit in page:
        visit.helped_labels = [labels.get(i, i) for i in visit.helped_with]
    return render(request, "payments/visits.html", {"page": page})


# ---------------------------------------------------------------------------------------
# Figures and the lists behind them


def _spec(code: str) -> Any:
    spec = SPEC_BY_CODE.get(code)
    if spec is None:
        raise Http404
    return spec


def _chart(spec: Any, village: Any, day: date) -> dict[str, Any]:
    """Monthly points over the year before ``day``, as an SVG line: one query."""
    days = [day - timedelta(days=round(months_back * 30.44)) for months_back in range(12, -1, -1)]
    counts = spec.series(days, village=village.pk)
    return percent_line_chart(
        [
            (d, 100 * yes / total if total else None)
            for d, (yes, total) in zip(days, counts, strict=True)
        ]
    )


@require_GET
@staff_required
def figures(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    day = _as_of(request)
    rows = village_rows(village, day)
    lanes = list(Lane.objects.alive().filter(village=village))
    by_lane = []
    lane_counts = {spec.code: spec.counts(day, villages=[village.pk], by="lane") for spec in SPECS}
    for lane in lanes:
        cells = []
        for spec in SPECS:
            yes, total = lane_counts[spec.code].get(lane.pk, (0, 0))
            cells.append(
                {
                    "spec": spec,
                    "yes": yes,
                    "total": total,
                    "pct": round(100 * yes / total, 1) if total else None,
                }
            )
        by_lane.append({"lane": lane, "cells": cells})
    neighbours = list(
        villages_visible_to(user=request.user).filter(commune=village.commune).order_by("name")
    )
    by_village = []
    if len(neighbours) > 1:
        ids = [v.pk for v in neighbours]
        village_counts = {spec.code: spec.counts(day, villages=ids) for spec in SPECS}
        for other in neighbours:
            cells = []
            for spec in SPECS:
                yes, total = village_counts[spec.code].get(other.pk, (0, 0))
                cells.append(
                    {
                        "spec": spec,
                        "yes": yes,
                        "total": total,
                        "pct": round(100 * yes / total, 1) if total else None,
                    }
                )
            by_village.append({"village": other, "cells": cells})
    chart_spec = SPEC_BY_CODE.get(request.GET.get("chart") or "") or SPECS[0]
    return render(
        request,
        "payments/figures.html",
        {
            "day": day,
            "rows": rows,
            "specs": SPECS,
            "by_lane": by_lane,
            "by_village": by_village,
            "chart_spec": chart_spec,
            "chart": _chart(chart_spec, village, day),
        },
    )


def _listing(request: HttpRequest, spec: Any, day: date, *, show: str) -> Any:
    village = current_village(request)
    rows = spec.missing(village, day) if show == "missing" else spec.records(village, day)
    lane = request.GET.get("lane") or ""
    lane_field = spec.lane_field
    if lane.isdigit():
        rows = rows.filter(**{lane_field: int(lane)})
    rows = with_latest(rows, item=spec.item, day=day, subject=spec.subject)
    if spec.subject == "resident":
        rows = rows.select_related("household__lane").order_by(
            "household__lane__sort_order", "household__house_number_key", "household_id", "pk"
        )
    else:
        rows = rows.select_related("lane").order_by("lane__sort_order", "house_number_key", "pk")
    return rows


def _label(rows: Any) -> None:
    values, reasons = dict(Value.choices), dict(Reason.choices)
    for row in rows:
        row.value_label = values.get(row.latest_value, _("not recorded"))
        row.reason_label = reasons.get(row.latest_reason or "", "")
        if getattr(row, "camera_joined", False):
            row.value_label = _("Yes (cameras registry)")
            row.reason_label = ""


@require_GET
@staff_required
def figure_list(request: HttpRequest, code: str) -> HttpResponse:
    spec = _spec(code)
    day = _as_of(request)
    show = "missing" if request.GET.get("show") == "missing" else "records"
    rows = _listing(request, spec, day, show=show)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    _label(page)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "payments/figure_list.html",
        {
            "spec": spec,
            "day": day,
            "show": show,
            "page": page,
            "show_names": _shows_names(request),
            "query_string": query.urlencode(),
            "reasons": dict(Reason.choices),
            "can_record": request.user.is_superuser
            or bool(village_roles(request) & RECORDER_ROLES),
        },
    )


@require_GET
@recorder_required
def work_list(request: HttpRequest, code: str) -> HttpResponse:
    spec = _spec(code)
    day = timezone.localdate()
    rows = list(_listing(request, spec, day, show="missing"))
    _label(rows)
    groups: dict[Any, dict[str, Any]] = {}
    for row in rows:
        lane = row.household.lane if spec.subject == "resident" else row.lane
        key = lane.pk if lane else None
        groups.setdefault(key, {"lane": lane, "rows": []})["rows"].append(row)
    lanes = Lane.objects.alive().filter(village=current_village(request))
    return render(
        request,
        "payments/work_list.html",
        {
            "spec": spec,
            "day": day,
            "groups": list(groups.values()),
            "count": len(rows),
            "lanes": lanes,
            "lane": request.GET.get("lane") or "",
            "reasons": dict(Reason.choices),
            "show_names": _shows_names(request),
            "work_lists": _work_lists(),
        },
    )


def figure_url(code: str, *, show: str = "records", day: date | None = None) -> str:
    url = reverse("payments_figure_list", kwargs={"code": code}) + f"?show={show}"
    return url + (f"&as_of={day.isoformat()}" if day else "")
