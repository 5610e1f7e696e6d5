"""Staff pages of the cameras: list, map, coverage, a camera's page, forms, viewing."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import current_village, roles_in_village, village_roles
from cameras import crypto, selectors, services, snapshot
from cameras.access import (
    MANAGER_ROLES,
    access_camera,
    is_manager,
    manager_required,
    reader_required,
)
from cameras.forms import CameraForm
from cameras.models import Camera, Status, View
from households.history import entries_for
from households.models import Lane
from villageportal.forms import form_page

PAGE_SIZE = 50


def _manager(request: HttpRequest) -> bool:
    return is_manager(village_roles(request), superuser=request.user.is_superuser)


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


# ---------------------------------------------------------------------------------------
# Reading


@require_GET
@reader_required
def camera_list(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    cameras = selectors.cameras_filtered(user=request.user, village=village, params=request.GET)
    page = Paginator(cameras, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cameras/camera_list.html",
        {
            "page": page,
            "params": request.GET,
            "query_string": query.urlencode(),
            "lanes": Lane.objects.alive().filter(village=village),
            "statuses": Status.choices,
            "kinds": Camera.Kind.choices,
            "counts": selectors.status_counts(village),
            "can_manage": _manager(request),
        },
    )


@require_GET
@reader_required
def camera_map(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    cameras = selectors.cameras_filtered(user=request.user, village=village, params=request.GET)
    points = [
        {
            "lat": float(c.latitude),
            "lon": float(c.longitude),
            "label": c.name,
            "status": c.state.status if not c.maintenance else "maintenance",
            "status_label": str(Status(c.state.status).label) if hasattr(c, "state") else "",
            "url": reverse("camera_detail", args=[c.pk]),
        }
        for c in cameras
        if c.latitude is not None and c.longitude is not None
    ]
    return render(
        request,
        "cameras/camera_map.html",
        {
            "points": points,
            "cameras": cameras,
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
            "missing": sum(1 for c in cameras if c.latitude is None),
        },
    )


@require_GET
@reader_required
def camera_coverage(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    rows = selectors.lane_coverage(village)
    return render(
        request,
        "cameras/coverage.html",
        {"rows": rows, "uncovered": sum(1 for r in rows if not r["covered"])},
    )


@require_GET
@login_required
def camera_detail(request: HttpRequest, pk: int) -> HttpResponse:
    camera = access_camera(user=request.user, pk=pk)
    roles = roles_in_village(user=request.user, village=camera.village)
    manager = is_manager(roles, superuser=request.user.is_superuser)
    return render(
        request,
        "cameras/camera_detail.html",
        {
            "camera": camera,
            "state": getattr(camera, "state", None),
            "can_manage": manager,
            "credentials": crypto.decrypt(camera.credentials).masked if manager else "",
            "changes": camera.status_changes.all()[:20],
            "alerts": camera.alerts.all()[:10],
            "uptime": selectors.uptime(Camera.objects.filter(pk=camera.pk)),
            "views": View.objects.filter(camera=camera)[:10] if manager else [],
            "history": _history(camera) if manager else [],
        },
    )


def _history(camera: Camera) -> list[Any]:
    """Who changed the camera's record and how; the credentials only as "changed"."""
    events = camera.events.select_related("pgh_context").order_by("pgh_id")
    entries = entries_for(
        events,
        subject="camera",
        tracked_model=Camera,
        hidden=frozenset({"credentials"}),
    )
    hidden_internal = {"address_key"}
    for entry in entries:
        entry.changes[:] = [c for c in entry.changes if c.field not in hidden_internal]
    return list(reversed(entries))[:30]


# ---------------------------------------------------------------------------------------
# Writing


@require_http_methods(["GET", "POST"])
@manager_required
def camera_create(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    form = CameraForm(request.POST or None, village=village)
    return form_page(
        request,
        form=form,
        template="cameras/camera_form.html",
        title=_("New camera"),
        perform=lambda data: services.camera_create(
            village=village,
            by=request.user,
            username=data["username"],
            password=data["password"],
            **form.service_data(),
        ),
        success=lambda camera: reverse("camera_detail", args=[camera.pk]),
        done=_("The camera was added."),
    )


@require_http_methods(["GET", "POST"])
@login_required
def camera_edit(request: HttpRequest, pk: int) -> HttpResponse:
    camera = access_camera(user=request.user, pk=pk, roles=MANAGER_ROLES)
    if request.method == "POST":
        form = CameraForm(request.POST, village=camera.village, camera=camera)
    else:
        initial = {name: getattr(camera, name) for name in services.FIELDS}
        initial["username"] = ""
        form = CameraForm(village=camera.village, camera=camera, initial=initial)

    def perform(data: dict[str, Any]) -> Camera:
        if data.get("clear_credentials"):
            username, password = "", ""
        else:
            username = data["username"] or services.KEEP
            password = data["password"] or services.KEEP
        return services.camera_update(
            camera=camera,
            by=request.user,
            username=username,
            password=password,
            **form.service_data(),
        )

    return form_page(
        request,
        form=form,
        template="cameras/camera_form.html",
        title=_("Edit %(name)s") % {"name": camera.name},
        perform=perform,
        success=lambda saved: reverse("camera_detail", args=[saved.pk]),
        done=_("The camera was saved."),
    )


@require_POST
@login_required
def camera_maintenance(request: HttpRequest, pk: int) -> HttpResponse:
    camera = access_camera(user=request.user, pk=pk, roles=MANAGER_ROLES)
    on = request.POST.get("maintenance") == "1"
    services.camera_set_maintenance(camera=camera, by=request.user, maintenance=on)
    if on:
        messages.info(request, _("Maintenance mode is on: this camera raises no alerts."))
    else:
        messages.info(request, _("Maintenance mode is off: alerts are back on."))
    return redirect("camera_detail", pk=camera.pk)


@require_POST
@login_required
def camera_delete(request: HttpRequest, pk: int) -> HttpResponse:
    camera = access_camera(user=request.user, pk=pk, roles=MANAGER_ROLES)
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Tick the box to confirm the removal."))
        return redirect("camera_detail", pk=camera.pk)
    services.camera_delete(camera=camera, by=request.user)
    messages.success(request, _("The camera was removed from the registry."))
    return redirect("camera_list")


# ---------------------------------------------------------------------------------------
# Looking through a camera: security officers and the village head, every look logged


@require_GET
@never_cache
@login_required
def camera_watch(request: HttpRequest, pk: int) -> HttpResponse:
    camera = access_camera(user=request.user, pk=pk, roles=MANAGER_ROLES)
    roles = roles_in_village(user=request.user, village=camera.village)
    services.view_log(
        camera=camera, user=request.user, what=View.What.STREAM, roles=roles, ip=_client_ip(request)
    )
    response = render(request, "cameras/camera_watch.html", {"camera": camera})
    response["Cache-Control"] = "private, no-store"
    return response


def _placeholder(code: str) -> HttpResponse:
    messages_by_code = {
        "no_snapshot": _("This camera has no snapshot address."),
        "refused": _("The snapshot address is not on an allowed camera network."),
        "credentials": _("The camera refused the stored user name or password."),
        "status": _("The camera did not give a snapshot."),
        "not_an_image": _("The camera's answer is not an image."),
        "too_big": _("The snapshot is too large."),
        "unreachable": _("The camera does not answer."),
    }
    text = escape(messages_by_code.get(code, messages_by_code["unreachable"]))
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360" viewBox="0 0 640 360">'
        '<rect width="640" height="360" fill="#ddd"/>'
        '<text x="320" y="185" font-family="sans-serif" font-size="20" text-anchor="middle">'
        f"{text}</text>"
        "</svg>"
    )
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["X-Snapshot-Error"] = code
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
def camera_snapshot(request: HttpRequest, pk: int) -> HttpResponse:
    """The camera's current picture, fetched by the server; the fetch is logged."""
    camera = access_camera(user=request.user, pk=pk, roles=MANAGER_ROLES)
    roles = roles_in_village(user=request.user, village=camera.village)
    services.view_log(
        camera=camera,
        user=request.user,
        what=View.What.SNAPSHOT,
        roles=roles,
        ip=_client_ip(request),
    )
    try:
        picture = snapshot.fetch(camera)
    except snapshot.SnapshotError as exc:
        return _placeholder(exc.code)
    response = HttpResponse(picture.content, content_type=picture.content_type)
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


@require_GET
@manager_required
def camera_view_log(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    views = View.objects.visible_to(request.user, MANAGER_ROLES).filter(village=village)
    page = Paginator(views, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cameras/view_log.html", {"page": page})
