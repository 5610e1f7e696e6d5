from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services
from accounts.access import access_object, current_village, inviter_required
from accounts.authn import may_hold_api_token
from accounts.forms import InvitationAcceptForm, InvitationForm
from accounts.models import ApiToken, Invitation
from accounts.roles import INVITER_ROLES


@require_POST
@login_required
def village_switch(request: HttpRequest) -> HttpResponse:
    village = services.current_village_set(
        request=request, village_id=request.POST.get("village", "")
    )
    messages.success(request, _("You are now working on %(village)s.") % {"village": village})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("dashboard")
    return redirect(target)


def _invitation_page(request: HttpRequest, form: InvitationForm, status: int = 200) -> HttpResponse:
    village = current_village(request)
    invitations = (
        Invitation.objects.visible_to(request.user)
        .filter(Q(village=village) | Q(commune=village.commune))
        .select_related("invited_by", "village", "commune")[:100]
    )
    return render(
        request,
        "accounts/invitations.html",
        {"form": form, "invitations": invitations},
        status=status,
    )


@require_GET
@inviter_required
def invitation_list(request: HttpRequest) -> HttpResponse:
    roles = services.invitable_roles(user=request.user, village=current_village(request))
    return _invitation_page(request, InvitationForm(roles=roles))


@require_POST
@inviter_required
def invitation_create(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    roles = services.invitable_roles(user=request.user, village=village)
    form = InvitationForm(request.POST, roles=roles)
    if not form.is_valid():
        return _invitation_page(request, form, status=400)
    try:
        invitation, token = services.invitation_create(
            by=request.user, village=village, **form.cleaned_data
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _invitation_page(request, form, status=400)
    link = request.build_absolute_uri(reverse("invitation_accept", kwargs={"token": token}))
    messages.success(
        request,
        _("Invitation created for %(name)s. Send this link if they have no e-mail: %(link)s")
        % {"name": invitation.full_name, "link": link},
    )
    return redirect("invitation_list")


@require_POST
@login_required
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = access_object(
        Invitation.objects.all(), user=request.user, roles=INVITER_ROLES, pk=pk
    )
    try:
        services.invitation_revoke(invitation=invitation, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("The invitation was revoked."))
    return redirect("invitation_list")


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Open to anyone holding the link; the token is the credential."""
    invitation = Invitation.objects.by_token(token).select_related("village", "commune").first()
    if invitation is None or invitation.status != Invitation.Status.PENDING:
        return render(request, "accounts/invitation_invalid.html", status=404)
    existing = services.invitation_existing_user(invitation=invitation)
    if existing is not None:
        if not request.user.is_authenticated:
            messages.info(request, _("Sign in with your account to accept the invitation."))
            return redirect(f"{reverse('account_login')}?next={request.path}")
        if request.method == "POST":
            try:
                services.invitation_accept(invitation=invitation, user=request.user)
            except ValidationError as exc:
                messages.error(request, exc.messages[0])
                return redirect("home")
            messages.success(request, _("Welcome to the team."))
            return redirect("dashboard")
        return render(
            request, "accounts/invitation_accept.html", {"invitation": invitation, "form": None}
        )
    form = InvitationAcceptForm(request.POST or None, initial={"full_name": invitation.full_name})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as exc:
            form.add_error("password1", exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your account is ready. Welcome!"))
            return redirect("dashboard")
    return render(
        request,
        "accounts/invitation_accept.html",
        {"invitation": invitation, "form": form},
        status=400 if form.errors else 200,
    )


def _api_token_page(request: HttpRequest, new_token: str = "") -> HttpResponse:
    tokens = ApiToken.objects.filter(user=request.user, expiry__gt=timezone.now())
    return render(
        request,
        "accounts/api_token.html",
        {"tokens": tokens, "new_token": new_token, "days": settings.API_TOKEN_DAYS},
    )


@require_http_methods(["GET", "POST"])
@login_required
def api_token(request: HttpRequest) -> HttpResponse:
    """The user's API tokens with a revoke button each; POST makes one and shows it once.

    Only for roles that may hold a token, and (like every page) only once the two-factor rule
    is met: the middleware sends anyone else to set it up, and the service checks again.
    """
    if not may_hold_api_token(request.user):
        raise PermissionDenied
    if request.method == "POST":
        _token, text = services.api_token_create(user=request.user)
        return _api_token_page(request, new_token=text)
    return _api_token_page(request)


@require_POST
@login_required
def api_token_revoke(request: HttpRequest, key: str) -> HttpResponse:
    services.api_token_revoke(user=request.user, token_key=key)
    messages.success(request, _("The token was revoked; programs using it are refused now."))
    return redirect("api_token")
