"""Routes of the app, mounted at the site root by villageportal/urls.py."""

from django.urls import path

from qrsigns import public_views, views

urlpatterns = [
    # Public pages: no login.
    path("q/<str:code>", public_views.scan, name="qrsigns_scan"),
    # The QR codes carry the address in capitals (a smaller code): the same page.
    path("Q/<str:code>", public_views.scan, name="qrsigns_scan_upper"),
    path("p/<uuid:village_id>/", public_views.village_home, name="qrsigns_village"),
    path(
        "p/<uuid:village_id>/lanes/<int:lane_id>/",
        public_views.lane_page,
        name="qrsigns_lane",
    ),
    path("p/heritage/<str:code>/", public_views.heritage_page, name="qrsigns_heritage"),
    path("p/house/<str:code>/", public_views.door_plate, name="qrsigns_door_plate"),
    # Staff pages.
    path("signs/", views.sign_list, name="qrsigns_sign_list"),
    path("signs/generate/", views.sign_generate, name="qrsigns_sign_generate"),
    path("signs/scans/", views.scans, name="qrsigns_scans"),
    path("signs/sheets/", views.sheet_list, name="qrsigns_sheet_list"),
    path("signs/sheets/new/", views.sheet_create, name="qrsigns_sheet_create"),
    path("signs/sheets/<uuid:pk>/", views.sheet_detail, name="qrsigns_sheet_detail"),
    path("signs/sheets/<uuid:pk>/download/", views.sheet_download, name="qrsigns_sheet_download"),
    path("signs/<str:code>/", views.sign_detail, name="qrsigns_sign_detail"),
    path("signs/<str:code>/retarget/", views.sign_retarget, name="qrsigns_sign_retarget"),
    path("signs/<str:code>/disable/", views.sign_disable, name="qrsigns_sign_disable"),
    path("signs/<str:code>/enable/", views.sign_enable, name="qrsigns_sign_enable"),
    path("signs/<str:code>/sign.svg", views.sign_svg, name="qrsigns_sign_svg"),
    path("signs/<str:code>/sign.png", views.sign_png, name="qrsigns_sign_png"),
    path("heritage/", views.heritage_list, name="qrsigns_heritage_list"),
    path("heritage/new/", views.heritage_create, name="qrsigns_heritage_create"),
    path("heritage/<int:pk>/edit/", views.heritage_edit, name="qrsigns_heritage_edit"),
    path("heritage/<int:pk>/photos/", views.heritage_image_add, name="qrsigns_heritage_photo_add"),
    path(
        "heritage/photos/<int:pk>/delete/",
        views.heritage_image_delete,
        name="qrsigns_heritage_photo_delete",
    ),
]
