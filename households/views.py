from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.access import current_village, current_village_or_none, staff_required, village_roles
from accounts.models import Invitation, Membership
from accounts.roles import COMMUNE_ROLES, STAFF_ROLES, Role
from households.models import Resident, Village
from households.selectors import villages_with_counts


def home(request: HttpRequest) -> HttpResponse:
    """The front door: the public page, the staff dashboard, or a signed-in person's own home."""
    if request.user.is_authenticated:
        if Membership.objects.filter(user=request.user, role__in=COMMUNE_ROLES).exists():
            return redirect("commune_home")
        if _works_here(request):
            return redirect("dashboard")
        return resident_home(request)
    villages = Village.objects.current().select_related("commune__province").order_by("name")[:50]
    return render(request, "households/home.html", {"villages": villages})


def _works_here(request: HttpRequest) -> bool:
    """Whether the signed-in user has a staff page to land on in their current village."""
    if current_village_or_none(request) is None:
        return False
    return bool(request.user.is_superuser or village_roles(request) & STAFF_ROLES)


def resident_home(request: HttpRequest) -> HttpResponse:
    """A signed-in resident's home: their household, what was sent to them, their reports.

    Also the landing page of anyone signed in without a staff role (an account not yet linked
    to a household, a membership that ended): never an error page, always a way to the office.
    """
    me = (
        Resident.objects.current()
        .select_related("household__lane", "household__village__commune")
        .filter(account=request.user, household__deleted_at__isnull=True)
        .first()
    )
    village = me.household.village if me else current_village_or_none(request)
    heads = []
    if village is not None:
        heads = [
            m.user.full_name or m.user.get_username()
            for m in Membership.objects.filter(village=village, role=Role.VILLAGE_HEAD)
            .select_related("user")
            .order_by("user__full_name")
        ]
    return render(
        request,
        "households/resident_home.html",
        {
            "me": me,
            "household": me.household if me else None,
            "members_count": Resident.objects.current().filter(household=me.household).count()
            if me
            else 0,
            "village": village,
            "village_heads": heads,
        },
    )


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The village head's landing page: the current village's figures at a glance."""
    village = current_village(request)
    roles = village_roles(request)
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
