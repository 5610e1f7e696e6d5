from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accounts import views as account_views
from accounts.api import MeView
from households import registry_views
from households import views as household_views
from households.api import LaneViewSet, VillageViewSet
from households.registry_api import HouseholdViewSet, ResidentViewSet
from villageportal.health import healthz
from villageportal.media import public_media
from villageportal.pwa import manifest

router = DefaultRouter()
router.register("villages", VillageViewSet, basename="village")
router.register("lanes", LaneViewSet, basename="lane")
router.register("households", HouseholdViewSet, basename="household")
router.register("residents", ResidentViewSet, basename="resident")

api_v1 = [
    path("me/", MeView.as_view(), name="me"),
    *router.urls,
]

# The admin signs in through the portal's login, with its rate limits and two-factor step.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = _("Smart-village portal administration")
admin.site.site_title = _("Smart-village portal")


def _favicon(request: HttpRequest) -> HttpResponse:
    # Resolved per request: the static files' manifest names the file in production.
    return redirect(static("img/favicon.svg"), permanent=True)


urlpatterns = [
    path("", household_views.home, name="home"),
    path("dashboard/", household_views.dashboard, name="dashboard"),
    path("healthz", healthz, name="healthz"),
    # Browsers and feed readers ask for /favicon.ico whatever the page's <link rel="icon"> says.
    path("favicon.ico", _favicon, name="favicon"),
    path("manifest.webmanifest", manifest, name="manifest"),
    re_path(r"^media/public/(?P<path>.+)$", public_media, name="public_media"),
    path("village/switch/", account_views.village_switch, name="village_switch"),
    path("team/invitations/", account_views.invitation_list, name="invitation_list"),
    path("team/invitations/new/", account_views.invitation_create, name="invitation_create"),
    path(
        "team/invitations/<int:pk>/revoke/",
        account_views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invite/<str:token>/", account_views.invitation_accept, name="invitation_accept"),
    path("accounts/api-token/", account_views.api_token, name="api_token"),
    path(
        "accounts/api-token/<str:key>/revoke/",
        account_views.api_token_revoke,
        name="api_token_revoke",
    ),
    path("my-household/", registry_views.my_household, name="my_household"),
    path("my-household/consent/", registry_views.my_household_consent, name="my_household_consent"),
    path("registry/", include("households.urls")),
    path("registry/", include("households.io_urls")),
    path("", include("qrsigns.urls")),
    path("", include("feedback.urls")),
    path("", include("announcements.urls")),
    path("", include("cameras.urls")),
    path("", include("payments.urls")),
    path("", include("reports.urls")),
    path("", include("privacy.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
]

handler403 = "villageportal.errors.permission_denied"
handler404 = "villageportal.errors.page_not_found"
handler500 = "villageportal.errors.server_error"
