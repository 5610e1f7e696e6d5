"""Staff pages: a village's report, the commune side by side, criteria sets, periods, exports."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import current_village, current_village_or_none, staff_required
from households import visibility
from households.models import Household, Province, Resident, Village
from reports import access, engine, exports, frozen, services
from reports import commune as commune_table
from reports.forms import (
    AttestationForm,
    CriteriaSetForm,
    IndicatorFormSet,
    PeriodCloseForm,
    ReasonForm,
    ReopenForm,
    parse_as_of,
)
from reports.models import (
    Attestation,
    CommuneCriteria,
    CriteriaSet,
    CriteriaSetEvent,
    ExportJob,
    Indicator,
    PeriodClose,
)
from reports.registry import MEASURES
from villageportal.charts import sparkline
from villageportal.forms import error_text, form_call


def _error_page(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "reports/error.html", {"message": message}, status=status)


def _chosen_set(request: HttpRequest, village: Village | None = None) -> CriteriaSet | None:
    raw = request.GET.get("set")
    if raw:
        try:
            return CriteriaSet.objects.select_related("province").get(pk=int(raw))
        except (CriteriaSet.DoesNotExist, ValueError) as exc:
            raise Http404 from exc
    if village is not None:
        return engine.set_for_village(village)
    return CriteriaSet.objects.filter(status=CriteriaSet.Status.IN_USE).first()


def _trend_for(report: engine.VillageReport) -> dict[int, dict[str, Any]]:
    codes = [
        r.indicator.measure_code
        for c in report.criteria
        for r in c.indicators
        if r.indicator.measure_code
    ]
    series = services.trend(village=report.village, codes=codes)
    trends: dict[int, dict[str, Any]] = {}
    for criterion in report.criteria:
        for result in criterion.indicators:
            snaps = series.get(result.indicator.measure_code, [])
            if not snaps:
                continue
            values = [
                (100 * s.numerator / s.denominator if s.denominator else None)
                if s.denominator is not None
                else s.numerator
                for s in snaps
            ]
            first = next((v for v in values if v is not None), None)
            last = next((v for v in reversed(values) if v is not None), None)
            trends[result.indicator.pk] = {
                "points": sparkline(values),
                "since": snaps[0].taken_on,
                "first": first,
                "change": None if first is None or last is None else last - first,
            }
    return trends


@staff_required
@require_GET
def report_home(request: HttpRequest) -> HttpResponse:
    """The current village's report."""
    return redirect("reports_village", pk=current_village(request).pk)


@login_required
@require_GET
def village_report(request: HttpRequest, pk: Any) -> HttpResponse:
    village = access.access_report_village(user=request.user, pk=pk)
    criteria_set = _chosen_set(request, village)
    if criteria_set is None:
        return _error_page(request, _("No criteria set is in use."), status=404)
    try:
        as_of = parse_as_of(request.GET.get("date"))
        report = engine.evaluate_village(criteria_set=criteria_set, village=village, as_of=as_of)
    except ValidationError as exc:
        return _error_page(request, error_text(exc))
    return render(
        request,
        "reports/village.html",
        {
            "village": village,
            "criteria_set": criteria_set,
            "report": report,
            "as_of": as_of,
            "today": timezone.localdate(),
            # The lists behind the figures open at the report's date and set.
            "list_query": urlencode({"date": as_of.isoformat(), "set": criteria_set.pk}),
            "past": as_of < timezone.localdate(),
            "closed_period": frozen.closed_period(
                commune_id=village.commune_id, criteria_set=criteria_set, as_of=as_of
            ),
            "trends": _trend_for(report),
            "sets": CriteriaSet.objects.exclude(status=CriteriaSet.Status.DRAFT),
            "can_attest": access.can_attest(user=request.user, village=village),
            "communes": access.communes_of(request.user).filter(pk=village.commune_id),
        },
    )


def _record_list(request: HttpRequest, pk: Any, code: str, *, missing: bool) -> HttpResponse:
    """The records behind a figure as they counted on the report's date: those counted, or
    those not counted yet."""
    village = access.access_report_village(user=request.user, pk=pk)
    measure = MEASURES.get(code)
    lister = None if measure is None else (measure.missing if missing else measure.records)
    if lister is None:
        raise Http404
    try:
        as_of = parse_as_of(request.GET.get("date"))
        engine.validate_as_of(village=village, as_of=as_of)
    except ValidationError as exc:
        return _error_page(request, error_text(exc))
    set_id = request.GET.get("set", "")
    set_id = set_id if set_id.isdigit() else ""
    today = timezone.localdate()
    # A measure that knows only today's records shows no list for a past date rather than
    # today's list under a past date.
    unlisted = as_of < today and not measure.lists_past
    records = lister(village, as_of) if not unlisted else []
    page = Paginator(records, 100).get_page(request.GET.get("page"))
    fields = visibility.fields_of(user=request.user, village=village)
    rows = []
    for record in page:
        link = None
        if isinstance(record, Household):
            link = reverse("household_detail", args=[record.pk])
        elif isinstance(record, Resident):
            link = reverse("household_detail", args=[record.household_id])
        elif hasattr(record, "get_absolute_url"):
            link = record.get_absolute_url()
        rows.append(
            {"record": record, "label": visibility.person_label(record, fields), "link": link}
        )
    return render(
        request,
        "reports/missing.html",
        {
            "village": village,
            "measure": measure,
            "page": page,
            "rows": rows,
            "missing": missing,
            "as_of": as_of,
            "today": today,
            "unlisted": unlisted,
            "query": urlencode({"date": as_of.isoformat(), **({"set": set_id} if set_id else {})}),
        },
    )


@login_required
@require_GET
def village_missing(request: HttpRequest, pk: Any, code: str) -> HttpResponse:
    """The records that do not count yet (e.g. households with no digital address)."""
    return _record_list(request, pk, code, missing=True)


@login_required
@require_GET
def village_records(request: HttpRequest, pk: Any, code: str) -> HttpResponse:
    """The records counted in a figure's numerator."""
    return _record_list(request, pk, code, missing=False)


SORTS = ("name", "-name", "passed", "-passed")


@login_required
@require_GET
def commune_report(request: HttpRequest, pk: int) -> HttpResponse:
    commune, villages = access.access_commune(user=request.user, pk=pk)
    return _commune_page(request, commune, villages)


@login_required
@require_GET
def commune_home(request: HttpRequest) -> HttpResponse:
    """A commune official's landing page: the commune of the village they work on (or their
    first commune), every village side by side. Anyone without a commune goes home."""
    communes = access.communes_of(request.user).order_by("name")
    village = current_village_or_none(request)
    chosen = communes.filter(pk=village.commune_id).first() if village is not None else None
    chosen = chosen or communes.first()
    if chosen is None:
        return redirect("home")
    commune, villages = access.access_commune(user=request.user, pk=chosen.pk)
    # Links to the user's other communes; an administrator sees every commune, not listed.
    others = communes.none() if request.user.is_superuser else communes.exclude(pk=commune.pk)
    return _commune_page(request, commune, villages, others=others)


def _commune_page(
    request: HttpRequest, commune: Any, villages: Any, *, others: Any = None
) -> HttpResponse:
    criteria_set = _chosen_set(request)
    if "set" not in request.GET:
        criteria_set = engine.set_for_commune(commune)
    if criteria_set is None:
        if others is not None:  # the commune home: a way forward, not an error page
            return render(request, "reports/commune_no_set.html", {"commune": commune})
        return _error_page(request, _("No criteria set is in use."), status=404)
    try:
        as_of = parse_as_of(request.GET.get("date"))
    except ValidationError as exc:
        return _error_page(request, error_text(exc))
    reports = list(
        engine.evaluate(
            criteria_set=criteria_set,
            villages=engine.existing_on(villages, as_of),
            as_of=as_of,
        ).values()
    )
    sort = request.GET.get("sort", "name")
    key_name = sort.lstrip("-")
    reverse_order = sort.startswith("-")
    if key_name == "passed":
        reports.sort(key=lambda r: (r.passed_count, r.village.name), reverse=reverse_order)
    elif key_name.isdigit():
        indicator_id = int(key_name)

        def value(report: engine.VillageReport) -> float:
            result = report.indicator(indicator_id)
            v = result.value if result else None
            return -1.0 if v is None else float(v)

        reports.sort(key=value, reverse=reverse_order)
    else:
        sort = "name"
        reports.sort(key=lambda r: r.village.name, reverse=reverse_order)
    label, previous_as_of, previous = commune_table.previous_reports(
        commune=commune, criteria_set=criteria_set, villages=villages, as_of=as_of
    )
    table = commune_table.compare(
        criteria_set=criteria_set,
        reports=reports,
        previous=previous,
        previous_label=label,
        previous_as_of=previous_as_of,
    )
    return render(
        request,
        "reports/commune.html",
        {
            "commune": commune,
            "criteria_set": criteria_set,
            "as_of": as_of,
            "table": table,
            "columns": table.columns,
            "rows": table.rows,
            "totals": table.totals,
            "sort": sort,
            "passing": table.passing,
            "closed_period": frozen.closed_period(
                commune_id=commune.pk, criteria_set=criteria_set, as_of=as_of
            ),
            "sets": CriteriaSet.objects.exclude(status=CriteriaSet.Status.DRAFT),
            "formats": ExportJob.Format.choices,
            "others": others,
        },
    )


# Criteria sets -------------------------------------------------------------------------------


def _set_or_404(pk: int) -> CriteriaSet:
    return get_object_or_404(CriteriaSet.objects.select_related("province"), pk=pk)


def _staff(request: HttpRequest) -> None:
    if not (
        request.user.is_superuser
        or access.villages_visible_to(user=request.user).exists()
        or access.provinces_managed_by(request.user).exists()
    ):
        raise PermissionDenied


@login_required
@require_GET
def set_list(request: HttpRequest) -> HttpResponse:
    _staff(request)
    return render(
        request,
        "reports/set_list.html",
        {
            "sets": CriteriaSet.objects.select_related("province"),
            "can_manage": access.can_manage_sets(request.user),
        },
    )


@login_required
@require_GET
def set_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    criteria_set = _set_or_404(pk)
    criteria = engine.structure(criteria_set)
    for criterion in criteria:
        for indicator in criterion.indicators.all():
            indicator.measure = MEASURES.get(indicator.measure_code)
    may_write = True
    try:
        access.require_set_manager(user=request.user, criteria_set=criteria_set)
    except PermissionDenied:
        may_write = False
    return render(
        request,
        "reports/set_detail.html",
        {
            "criteria_set": criteria_set,
            "criteria": criteria,
            "may_write": may_write,
            "reason_form": ReasonForm(),
            "history": CriteriaSetEvent.objects.filter(criteria_set__family=criteria_set.family)
            .select_related("by", "commune", "criteria_set")
            .order_by("-at", "-pk"),
        },
    )


def _initial_rows(criteria_set: CriteriaSet) -> list[dict[str, Any]]:
    return [
        {
            "criterion_number": criterion.number,
            "criterion_title": criterion.title,
            "name": indicator.name,
            "source": indicator.source,
            "measure_code": indicator.measure_code,
            "threshold_kind": indicator.threshold_kind,
            "threshold_value": ""
            if indicator.threshold_value is None
            else f"{indicator.threshold_value.normalize():f}",
            "lineage": indicator.lineage,
        }
        for criterion in engine.structure(criteria_set)
        for indicator in criterion.indicators.all()
    ]


def _set_form_page(request: HttpRequest, criteria_set: CriteriaSet | None) -> HttpResponse:
    scope = {
        "user": request.user,
        "provinces": access.provinces_for(request.user),
        "communes": access.communes_of(request.user),
        "national": bool(request.user.is_superuser),
    }
    if request.method == "POST":
        form = CriteriaSetForm(request.POST, instance=criteria_set, **scope)
        formset = IndicatorFormSet(request.POST, prefix="rows")
        if form.is_valid() and formset.is_valid():
            deleted = formset.deleted_forms
            rows = [f.cleaned_data for f in formset.forms if f.cleaned_data and f not in deleted]
            ok, saved = form_call(
                form,
                lambda: services.criteria_set_save(
                    criteria_set=form.save(commit=False), rows=rows, by=request.user
                ),
            )
            if ok:
                messages.success(request, _("The criteria set is saved as a draft."))
                return redirect("reports_set_detail", pk=saved.pk)
        status = 400
    else:
        form = CriteriaSetForm(instance=criteria_set, **scope)
        initial = _initial_rows(criteria_set) if criteria_set else []
        formset = IndicatorFormSet(prefix="rows", initial=initial)
        status = 200
    return render(
        request,
        "reports/set_form.html",
        {"form": form, "formset": formset, "criteria_set": criteria_set},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def set_create(request: HttpRequest) -> HttpResponse:
    access.require_set_manager(user=request.user)
    return _set_form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def set_edit(request: HttpRequest, pk: int) -> HttpResponse:
    criteria_set = _set_or_404(pk)
    access.require_set_manager(user=request.user, criteria_set=criteria_set)
    if criteria_set.status != CriteriaSet.Status.DRAFT:
        messages.error(
            request, _("A set in use or retired is not edited: make a new version of it.")
        )
        return redirect("reports_set_detail", pk=criteria_set.pk)
    return _set_form_page(request, criteria_set)


@login_required
@require_POST
def set_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    criteria_set = _set_or_404(pk)
    access.require_set_manager(user=request.user, criteria_set=criteria_set)
    copy = services.criteria_set_new_version(criteria_set=criteria_set, by=request.user)
    messages.success(
        request, _("Version %(v)s is a draft: edit it, then put it in use.") % {"v": copy.version}
    )
    return redirect("reports_set_edit", pk=copy.pk)


def _set_change(request: HttpRequest, pk: int, change: Any, done: str) -> HttpResponse:
    """Put in use or retire: a reason is required and kept in the set's history."""
    criteria_set = _set_or_404(pk)
    access.require_set_manager(user=request.user, criteria_set=criteria_set)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reason"]))
        return redirect("reports_set_detail", pk=criteria_set.pk)
    try:
        change(criteria_set=criteria_set, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, done)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("reports_set_detail", pk=criteria_set.pk)


@login_required
@require_POST
def set_put_in_use(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_change(request, pk, services.criteria_set_put_in_use, _("The set is in use."))


@login_required
@require_POST
def set_retire(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_change(request, pk, services.criteria_set_retire, _("The set is retired."))


@login_required
@require_http_methods(["GET", "POST"])
def commune_criteria(request: HttpRequest, pk: int) -> HttpResponse:
    """Which set the commune is scored by: its own variant, an adopted set or its province's."""
    commune, _villages = access.access_commune(user=request.user, pk=pk)
    access.require_commune_chooser(user=request.user, commune=commune)
    choices = CriteriaSet.objects.filter(status=CriteriaSet.Status.IN_USE).filter(
        Q(province__isnull=True)
        | Q(province_id=commune.province_id, commune__isnull=True)
        | Q(commune=commune)
    )
    form = ReasonForm(request.POST or None)
    status = 200
    if request.method == "POST":
        raw = request.POST.get("criteria_set", "")
        chosen = None
        if raw:
            chosen = choices.filter(pk=int(raw)).first() if raw.isdigit() else None
            if chosen is None:
                form.add_error(None, _("Choose a set in use from the list."))
        if form.is_valid():
            try:
                services.commune_criteria_choose(
                    commune=commune,
                    criteria_set=chosen,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The commune's criteria set is changed."))
                return redirect("reports_commune_criteria", pk=commune.pk)
        status = 400
    adopted = CommuneCriteria.objects.filter(commune=commune).first()
    return render(
        request,
        "reports/commune_criteria.html",
        {
            "commune": commune,
            "current": engine.set_for_commune(commune),
            "adopted_family": adopted.family if adopted else None,
            "choices": choices.select_related("province", "commune"),
            "form": form,
            "history": CriteriaSetEvent.objects.filter(commune=commune)
            .select_related("by", "criteria_set")
            .order_by("-at", "-pk"),
        },
        status=status,
    )


# Attestations --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def attest(request: HttpRequest, pk: Any, indicator: int) -> HttpResponse:
    village = access.access_report_village(user=request.user, pk=pk)
    if not access.can_attest(user=request.user, village=village):
        raise PermissionDenied
    item = get_object_or_404(
        Indicator.objects.select_related("criterion__criteria_set"),
        pk=indicator,
        source=Indicator.Source.ATTESTED,
    )
    form = AttestationForm(request.POST or None, request.FILES or None, indicator=item)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.attestation_create(
                    indicator=item,
                    village=village,
                    met=data["met"],
                    value=data.get("value"),
                    attested_on=data["attested_on"],
                    note=data["note"],
                    evidence=data["evidence"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error("evidence" if "evidence" in str(exc) else None, exc)
            else:
                messages.success(request, _("The attestation is recorded."))
                url = reverse("reports_village", args=[village.pk])
                return redirect(f"{url}?set={item.criterion.criteria_set_id}")
    history = Attestation.objects.filter(village=village, indicator=item).select_related(
        "attested_by"
    )[:20]
    return render(
        request,
        "reports/attest.html",
        {"village": village, "indicator": item, "form": form, "history": history},
        status=status,
    )


@login_required
@require_GET
def evidence(request: HttpRequest, pk: int) -> HttpResponse:
    attestation = get_object_or_404(Attestation.objects.visible_to(request.user), pk=pk)
    if not attestation.evidence:
        raise Http404
    try:
        handle = attestation.evidence.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=attestation.evidence_name)


# Periods -------------------------------------------------------------------------------------


@login_required
@require_GET
def period_list(request: HttpRequest, pk: int) -> HttpResponse:
    commune, _villages = access.access_commune(user=request.user, pk=pk)
    return render(
        request,
        "reports/periods.html",
        {
            "commune": commune,
            "periods": PeriodClose.objects.filter(commune=commune).select_related(
                "criteria_set", "closed_by"
            ),
            "form": PeriodCloseForm(),
            "sets": CriteriaSet.objects.filter(status=CriteriaSet.Status.IN_USE),
        },
    )


@login_required
@require_POST
def period_close(request: HttpRequest, pk: int) -> HttpResponse:
    commune, _villages = access.access_commune(user=request.user, pk=pk)
    form = PeriodCloseForm(request.POST)
    try:
        criteria_set = CriteriaSet.objects.get(pk=int(request.POST.get("set", "")))
    except (CriteriaSet.DoesNotExist, ValueError):
        criteria_set = None
    if not form.is_valid() or criteria_set is None:
        messages.error(request, _("Choose a period, a day in it and a criteria set."))
        return redirect("reports_periods", pk=commune.pk)
    try:
        period = services.period_close(
            commune=commune,
            criteria_set=criteria_set,
            kind=form.cleaned_data["kind"],
            day=form.cleaned_data["day"],
            by=request.user,
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("reports_periods", pk=commune.pk)
    messages.success(request, _("The period is closed: its figures are frozen."))
    return redirect("reports_period", pk=period.pk)


@login_required
@require_GET
def period_detail(request: HttpRequest, pk: int) -> HttpResponse:
    period = access.access_period(user=request.user, pk=pk)
    villages = sorted(
        period.figures.get("villages", {}).values(), key=lambda v: v.get("village_name", "")
    )
    return render(
        request,
        "reports/period.html",
        {
            "period": period,
            "villages": villages,
            "events": period.events.all(),
            "form": ReopenForm(),
            "formats": ExportJob.Format.choices,
            "closed_by": frozen.closer_name(period),
        },
    )


@login_required
@require_POST
def period_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    period = access.access_period(user=request.user, pk=pk)
    form = ReopenForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Say why the period is reopened."))
        services.period_reopen(period=period, reason=form.cleaned_data["reason"], by=request.user)
        messages.success(request, _("The period is reopened; this is logged."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("reports_period", pk=period.pk)


@login_required
@require_POST
def period_export(request: HttpRequest, pk: int) -> HttpResponse:
    """A period's report: the figures frozen at its close (recomputed once it is reopened)."""
    period = access.access_period(user=request.user, pk=pk)
    fmt = request.POST.get("fmt", "")
    if fmt not in exports.CONTENT_TYPES:
        return _error_page(request, _("Choose a format: xlsx, pdf or csv."))
    return _queue_export(
        request,
        fmt=fmt,
        criteria_set=period.criteria_set,
        as_of=frozen.frozen_as_of(period) or period.ends_on,
        period=period,
        commune=period.commune,
    )


# Exports -------------------------------------------------------------------------------------


@login_required
@require_GET
def village_export(request: HttpRequest, pk: Any, fmt: str) -> HttpResponse:
    village = access.access_report_village(user=request.user, pk=pk)
    if fmt not in exports.CONTENT_TYPES:
        raise Http404
    criteria_set = _chosen_set(request, village)
    if criteria_set is None:
        return _error_page(request, _("No criteria set is in use."), status=404)
    try:
        as_of = parse_as_of(request.GET.get("date"))
        engine.validate_as_of(village=village, as_of=as_of)
    except ValidationError as exc:
        return _error_page(request, error_text(exc))
    place = f"{village.name}, {village.commune.name}, {village.commune.province.name}"
    # The date a closed period froze: the export writes the frozen figures, not today's
    # recomputation of that date.
    period = frozen.closed_period(
        commune_id=village.commune_id, criteria_set=criteria_set, as_of=as_of
    )
    letterhead = exports.letterhead_for(village=village, signer=access.village_head_name(village))
    if period is not None and frozen.frozen_reports(period, village_id=village.pk):
        source = exports.for_period(
            period, place=place, village_id=village.pk, letterhead=letterhead
        )
    else:
        source = exports.live(
            criteria_set=criteria_set,
            villages=Village.objects.filter(pk=village.pk),
            as_of=as_of,
            place=place,
            letterhead=letterhead,
        )
    content = exports.render(fmt, source=source)
    response = HttpResponse(content, content_type=exports.CONTENT_TYPES[fmt])
    name = f"bao-cao-{slugify(village.name) or 'thon'}-{as_of:%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _start_export(request: HttpRequest, **scope: Any) -> HttpResponse:
    fmt = request.POST.get("fmt", "")
    if fmt not in exports.CONTENT_TYPES:
        return _error_page(request, _("Choose a format: xlsx, pdf or csv."))
    try:
        criteria_set = CriteriaSet.objects.get(pk=int(request.POST.get("set", "")))
        as_of = parse_as_of(request.POST.get("date"))
        if as_of > timezone.localdate():
            raise ValidationError(_("The date is in the future: figures exist up to today."))
    except (CriteriaSet.DoesNotExist, ValueError):
        return _error_page(request, _("Choose a criteria set."))
    except ValidationError as exc:
        return _error_page(request, error_text(exc))
    commune = scope.get("commune")
    period = (
        frozen.closed_period(commune_id=commune.pk, criteria_set=criteria_set, as_of=as_of)
        if commune is not None
        else None
    )
    return _queue_export(
        request, fmt=fmt, criteria_set=criteria_set, as_of=as_of, period=period, **scope
    )


def _queue_export(request: HttpRequest, **fields: Any) -> HttpResponse:
    job = services.export_create(by=request.user, **fields)
    return redirect("reports_export_job", pk=job.pk)


@login_required
@require_POST
def commune_export(request: HttpRequest, pk: int) -> HttpResponse:
    commune, _villages = access.access_commune(user=request.user, pk=pk)
    return _start_export(request, commune=commune)


@login_required
@require_POST
def province_export(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_superuser:
        raise PermissionDenied
    province = get_object_or_404(Province, pk=pk)
    return _start_export(request, province=province)


@login_required
@require_GET
def export_job(request: HttpRequest, pk: Any) -> HttpResponse:
    job = access.access_export_job(user=request.user, pk=pk)
    return render(request, "reports/export_job.html", {"job": job})


@login_required
@require_GET
def export_download(request: HttpRequest, pk: Any) -> HttpResponse:
    job = access.access_export_job(user=request.user, pk=pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=job.file.name.rsplit("/", 1)[-1],
        content_type=exports.CONTENT_TYPES[job.fmt],
    )
