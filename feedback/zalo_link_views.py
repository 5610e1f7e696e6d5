"""Pages for proving a Zalo follower's link to a resident (``feedback.zalo_link``): the
resident's own page (a code to send to the OA, unlinking) and the office's list of links that
wait for an identity check."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.access import access_object, current_village, village_role_required
from feedback import zalo_link
from feedback.models import ZaloFollower
from households.access import EDITOR_ROLES
from households.models import Resident

registry_editor_required = village_role_required(EDITOR_ROLES)


def _my_resident(request: HttpRequest) -> Resident:
    resident = getattr(request.user, "resident", None)
    if resident is None:
        raise Http404
    return resident


def _page(request: HttpRequest, resident: Resident, code: str = "") -> HttpResponse:
    follower = (
        ZaloFollower.objects.filter(resident=resident).order_by("-verified_at", "-pk").first()
    )
    return render(
        request,
        "feedback/zalo_link.html",
        {
            "follower": follower,
            "code": code,
            "live": zalo_link.link_code_live(resident=resident) if not code else None,
            "minutes": zalo_link.LINK_CODE_MINUTES,
            "oa_name": settings.FEEDBACK_ZALO_OA_NAME,
            "oa_follow_url": settings.FEEDBACK_ZALO_OA_FOLLOW_URL,
        },
    )


@login_required
@require_GET
@never_cache
def zalo_link_page(request: HttpRequest) -> HttpResponse:
    return _page(request, _my_resident(request))


@login_required
@require_POST
@never_cache
def zalo_link_code(request: HttpRequest) -> HttpResponse:
    """A fresh code, shown on this answer only (it is not stored, only its digest)."""
    resident = _my_resident(request)
    try:
        code = zalo_link.link_code_issue(resident=resident)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("feedback_zalo_link")
    return _page(request, resident, code=code)


@login_required
@require_POST
def zalo_link_unlink(request: HttpRequest) -> HttpResponse:
    if zalo_link.link_unlink(resident=_my_resident(request)):
        messages.success(request, _("Unlinked: the village's OA will not send you announcements."))
    else:
        messages.info(request, _("No Zalo account was linked."))
    return redirect("feedback_zalo_link")


@registry_editor_required
@require_GET
def zalo_links_pending(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    followers = (
        ZaloFollower.objects.filter(
            village=village, resident__isnull=False, verified_at__isnull=True
        )
        .select_related("resident__household__lane")
        .order_by("-consent_at")[:200]
    )
    verified = (
        ZaloFollower.objects.filter(village=village, verified_at__isnull=False)
        .select_related("resident", "verified_by")
        .order_by("-verified_at")[:20]
    )
    return render(
        request,
        "feedback/zalo_links.html",
        {"followers": followers, "verified": verified},
    )


@login_required
@require_POST
def zalo_link_verify(request: HttpRequest, pk: int) -> HttpResponse:
    follower = access_object(
        ZaloFollower.objects.all(), user=request.user, roles=EDITOR_ROLES, pk=pk
    )
    try:
        zalo_link.link_verify_in_person(follower=follower, by=request.user)
        messages.success(request, _("The link is verified: announcements may go to this account."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("feedback_zalo_links")
