"""Staff pages: signs and their codes, printing, scans, heritage sites."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import (
    access_object,
    current_village,
    require_roles,
    roles_in_village,
    staff_required,
)
from accounts.roles import STAFF_ROLES
from households.models import Lane, Village
from qrsigns import printing, selectors, services
from qrsigns.access import EDITOR_ROLES, access_heritage_site, access_sign, editor_required
from qrsigns.forms import HeritageImageForm, HeritageSiteForm, RetargetForm, SheetForm
from qrsigns.models import HeritageImage, HeritageSite, SheetJob, Sign, normalise_code
from qrsigns.public_views import target_url
from villageportal.charts import bar_chart
from villageportal.forms import attach_errors, form_page

PAGE_SIZE = 100


def _can_edit(request: HttpRequest, village: Any) -> bool:
    if request.user.is_superuser:
        return True
    return bool(roles_in_village(user=request.user, village=village) & EDITOR_ROLES)


# ---------------------------------------------------------------------------------------
# Signs


@require_GET
@staff_required
def sign_list(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    signs = selectors.signs_with_scans(village=village).order_by(
        "kind", "lane__sort_order", "lane__name", "household__house_number_key", "pk"
    )
    kind = request.GET.get("kind", "")
    if kind in Sign.Kind.values:
        signs = signs.filter(kind=kind)
    state = request.GET.get("state", "")
    if state == "active":
        signs = signs.filter(is_active=True)
    elif state == "disabled":
        signs = signs.filter(is_active=False)
    q = request.GET.get("q", "").strip()[:100]
    if q:
        code = normalise_code(q.replace(" ", ""))
        match = Q(lane__name__icontains=q) | Q(heritage_site__name__icontains=q)
        match |= Q(household__house_number__iexact=q)
        if code:
            match |= Q(code__startswith=code)
        signs = signs.filter(match)
    page = Paginator(signs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "qrsigns/sign_list.html",
        {
            "page": page,
            "kinds": Sign.Kind.choices,
            "params": request.GET,
            "query_string": query.urlencode(),
            "can_edit": _can_edit(request, village),
            "counts": selectors.sign_counts(village=village),
            "village": village,
        },
    )


@require_POST
@editor_required
def sign_generate(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    created = services.signs_ensure(
        village=village, by=request.user, door_plates=request.POST.get("door_plates") == "1"
    )
    if created:
        messages.success(request, _("%(n)d signs were created.") % {"n": created})
    else:
        messages.info(request, _("Every lane and site already has its signs."))
    return redirect("qrsigns_sign_list")


@require_GET
@login_required
def sign_detail(request: HttpRequest, code: str) -> HttpResponse:
    sign = access_sign(user=request.user, code=code)
    return _detail_page(request, sign, RetargetForm(village=sign.village, initial=_initial(sign)))


def _initial(sign: Sign) -> dict[str, Any]:
    return {
        "target": sign.target,
        "lane": sign.lane_id,
        "heritage_site": sign.heritage_site_id,
        "household": sign.household_id,
    }


def _detail_page(
    request: HttpRequest, sign: Sign, form: RetargetForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "qrsigns/sign_detail.html",
        {
            "sign": sign,
            "form": form,
            "short_url": printing.short_url(sign),
            "opens": target_url(sign),
            "chart": bar_chart(selectors.scans_per_day(village=sign.village, sign=sign)),
            "can_edit": _can_edit(request, sign.village),
        },
        status=status,
    )


@require_POST
@login_required
def sign_retarget(request: HttpRequest, code: str) -> HttpResponse:
    sign = access_sign(user=request.user, code=code, roles=EDITOR_ROLES)
    form = RetargetForm(request.POST, village=sign.village)
    if form.is_valid():
        try:
            services.sign_retarget(sign=sign, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("The code now opens the new target."))
            return redirect("qrsigns_sign_detail", code=sign.code)
    messages.error(request, _("Nothing was changed: check the form."))
    return _detail_page(request, sign, form, status=400)


@require_POST
@login_required
def sign_disable(request: HttpRequest, code: str) -> HttpResponse:
    sign = access_sign(user=request.user, code=code, roles=EDITOR_ROLES)
    services.sign_set_active(sign=sign, by=request.user, active=False)
    messages.success(request, _("The code is switched off; scanning it shows a notice."))
    return redirect("qrsigns_sign_detail", code=sign.code)


@require_POST
@login_required
def sign_enable(request: HttpRequest, code: str) -> HttpResponse:
    sign = access_sign(user=request.user, code=code, roles=EDITOR_ROLES)
    services.sign_set_active(sign=sign, by=request.user, active=True)
    messages.success(request, _("The code works again."))
    return redirect("qrsigns_sign_detail", code=sign.code)


def _download_name(sign: Sign, ext: str) -> str:
    return f"bien-qr-{sign.code}.{ext}"


@require_GET
@login_required
def sign_svg(request: HttpRequest, code: str) -> HttpResponse:
    sign = access_sign(user=request.user, code=code)
    response = HttpResponse(printing.sign_svg(sign), content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{_download_name(sign, "svg")}"'
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@require_GET
@login_required
def sign_png(request: HttpRequest, code: str) -> HttpResponse:
    sign = access_sign(user=request.user, code=code)
    response = HttpResponse(printing.sign_png(sign), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="{_download_name(sign, "png")}"'
    return response


@require_GET
@staff_required
def scans(request: HttpRequest) -> HttpResponse:
    """Scans per day for the village, the most scanned signs, and unknown codes."""
    village = current_village(request)
    top = (
        selectors.signs_with_scans(village=village)
        .filter(recent_scans__gt=0)
        .order_by("-recent_scans", "pk")[:20]
    )
    return render(
        request,
        "qrsigns/scans.html",
        {
            "village": village,
            "chart": bar_chart(selectors.scans_per_day(village=village)),
            "top": top,
            "unknown": selectors.unknown_codes(),
        },
    )


# ---------------------------------------------------------------------------------------
# Sheets


@require_GET
@staff_required
def sheet_list(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    return render(
        request,
        "qrsigns/sheet_list.html",
        {
            "form": SheetForm(village=village, initial=_lane_asked(request, village)),
            "jobs": SheetJob.objects.filter(village=village).select_related("lane")[:20],
            "can_edit": _can_edit(request, village),
        },
    )


def _lane_asked(request: HttpRequest, village: Village) -> dict[str, Any]:
    """A lane's page links here with ?lane=<id>: the form starts with that lane's signs."""
    asked = request.GET.get("lane", "")
    lanes = Lane.objects.alive().filter(village=village)
    lane = lanes.filter(pk=asked).first() if asked.isdigit() else None
    if lane is None:
        return {}
    return {"lane": lane, "kinds": [Sign.Kind.LANE_START, Sign.Kind.LANE_END]}


@require_POST
@editor_required
def sheet_create(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    form = SheetForm(request.POST, village=village)
    if form.is_valid():
        try:
            job = services.sheet_job_create(
                village=village,
                by=request.user,
                kinds=form.cleaned_data["kinds"],
                per_page=form.cleaned_data["per_page"],
                lane=form.cleaned_data["lane"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            return redirect("qrsigns_sheet_detail", pk=job.pk)
    return render(
        request,
        "qrsigns/sheet_list.html",
        {
            "form": form,
            "jobs": SheetJob.objects.filter(village=village).select_related("lane")[:20],
            "can_edit": True,
        },
        status=400,
    )


def _job(request: HttpRequest, pk: Any) -> SheetJob:
    job = access_object(SheetJob.objects.select_related("village"), user=request.user, pk=pk)
    require_roles(user=request.user, village=job.village, roles=STAFF_ROLES)
    return job


@require_GET
@login_required
def sheet_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    job = _job(request, pk)
    return render(
        request,
        "qrsigns/sheet_detail.html",
        {"job": job, "keep_days": settings.QRSIGNS_SHEET_KEEP_DAYS},
    )


@require_GET
@login_required
def sheet_download(request: HttpRequest, pk: Any) -> HttpResponse:
    job = _job(request, pk)
    if job.status != SheetJob.Status.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except OSError as exc:
        raise Http404 from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"bien-qr-{timezone.localtime(job.created_at):%Y%m%d-%H%M}.pdf",
        content_type="application/pdf",
    )


# ---------------------------------------------------------------------------------------
# Heritage sites


@require_GET
@staff_required
def heritage_list(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    return render(
        request,
        "qrsigns/heritage_list.html",
        {
            "sites": HeritageSite.objects.filter(village=village).prefetch_related("signs"),
            "can_edit": _can_edit(request, village),
        },
    )


@require_http_methods(["GET", "POST"])
@editor_required
def heritage_create(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    return form_page(
        request,
        form=HeritageSiteForm(request.POST or None),
        template="qrsigns/heritage_form.html",
        title=_("New heritage site"),
        perform=lambda data: services.heritage_site_save(village=village, by=request.user, **data),
        success=lambda site: reverse("qrsigns_heritage_edit", args=[site.pk]),
        done=_("The heritage site was added."),
        context={"site": None},
    )


@require_http_methods(["GET", "POST"])
@login_required
def heritage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    site = access_heritage_site(user=request.user, pk=pk)
    form = HeritageSiteForm(request.POST or None, instance=site)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.heritage_site_save(
                    village=site.village, site=site, by=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("The page was saved."))
                return redirect("qrsigns_heritage_edit", pk=site.pk)
        status = 400
        site.refresh_from_db()
    return render(
        request,
        "qrsigns/heritage_form.html",
        {
            "form": form,
            "site": site,
            "image_form": HeritageImageForm(),
            "images": site.images.all(),
        },
        status=status,
    )


@require_POST
@login_required
def heritage_image_add(request: HttpRequest, pk: int) -> HttpResponse:
    site = access_heritage_site(user=request.user, pk=pk)
    form = HeritageImageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.heritage_image_add(
                site=site,
                by=request.user,
                upload=form.cleaned_data["image"],
                alt_text=form.cleaned_data["alt_text"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("The photo was added."))
            return redirect("qrsigns_heritage_edit", pk=site.pk)
    return render(
        request,
        "qrsigns/heritage_form.html",
        {
            "form": HeritageSiteForm(instance=site),
            "site": site,
            "image_form": form,
            "images": site.images.all(),
        },
        status=400,
    )


@require_POST
@login_required
def heritage_image_delete(request: HttpRequest, pk: int) -> HttpResponse:
    image = access_object(
        HeritageImage.objects.select_related("site__village"), user=request.user, pk=pk
    )
    require_roles(user=request.user, village=image.site.village, roles=EDITOR_ROLES)
    site_pk = image.site_id
    services.heritage_image_delete(image=image, by=request.user)
    messages.success(request, _("The photo was removed."))
    return redirect("qrsigns_heritage_edit", pk=site_pk)
