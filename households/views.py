from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.access import staff_required
from accounts.models import Invitation, Membership
from accounts.roles import COMMUNE_ROLES, STAFF_ROLES
from households.models import Village
from households.selectors import villages_with_counts


def home(request: HttpRequest) -> HttpResponse:
    """The public front door; signed-in staff go straight to their dashboard."""
    if request.user.is_authenticated and request.village_roles & STAFF_ROLES:  # type: ignore[attr-defined]
        return redirect("dashboard")
    villages = Village.objects.current().select_related("commune__province").order_by("name")[:50]
    return render(request, "households/home.html", {"villages": villages})


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The village head's landing page: the current village's figures at a glance."""
    village = request.village  # type: ignore[attr-defined]
    roles = request.village_roles  # type: ignore[attr-defined]
    village_figures = villages_with_counts(user=request.user).get(pk=village.pk)
    commune_villages = None
    if roles & COMMUNE_ROLES or request.user.is_superuser:
        commune_villages = list(
            villages_with_counts(user=request.user).filter(commune=village.commune).current()
        )
    team = (
        Membership.objects.filter(village=village, role__in=STAFF_ROLES)
        .select_related("user")
        .order_by("role", "user__full_name")
    )
    pending_invitations = Invitation.objects.pending().filter(village=village).count()
    return render(
        request,
        "households/dashboard.html",
        {
            "village": village_figures,
            "commune_villages": commune_villages,
            "team": team,
            "pending_invitations": pending_invitations,
        },
    )
