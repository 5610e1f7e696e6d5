"""Routes of the app, mounted at the site root by villageportal/urls.py."""

from django.urls import path, re_path

from feedback import category_views, open311, staff_views, views, zalo_link_views, zalo_views

FMT = r"(?P<fmt>json|xml)"

urlpatterns = [
    # residents, no login needed
    path("feedback/<uuid:village_id>/new/", views.report_new, name="feedback_report_new"),
    path("feedback/<uuid:village_id>/similar/", views.similar, name="feedback_similar"),
    path("feedback/<uuid:village_id>/board/", views.board, name="feedback_board"),
    path("feedback/sent/<str:code>/", views.report_sent, name="feedback_sent"),
    path("feedback/track/", views.track, name="feedback_track"),
    path("feedback/mine/", views.mine, name="feedback_mine"),
    path("feedback/mine/forget/", views.mine_forget, name="feedback_mine_forget"),
    path("feedback/track/<str:code>/", views.status, name="feedback_status"),
    path("feedback/track/<str:code>/rate/", views.rate, name="feedback_rate"),
    path("feedback/track/<str:code>/reopen/", views.reopen, name="feedback_reopen"),
    path("feedback/r/<str:public_code>/", views.public_detail, name="feedback_public_detail"),
    path("feedback/r/<str:public_code>/me-too/", views.me_too, name="feedback_me_too"),
    path("feedback/photos/<uuid:pk>/", views.photo, name="feedback_photo"),
    # the village's Zalo Official Account calls this (signed)
    path("feedback/zalo/webhook/", zalo_views.zalo_webhook, name="feedback_zalo_webhook"),
    # a signed-in resident proves their Zalo account (feedback.zalo_link)
    path("feedback/zalo/link/", zalo_link_views.zalo_link_page, name="feedback_zalo_link"),
    path(
        "feedback/zalo/link/code/", zalo_link_views.zalo_link_code, name="feedback_zalo_link_code"
    ),
    path(
        "feedback/zalo/link/unlink/",
        zalo_link_views.zalo_link_unlink,
        name="feedback_zalo_link_unlink",
    ),
    # village staff
    path("feedback/", staff_views.report_list, name="feedback_list"),
    path("feedback/zalo/links/", zalo_link_views.zalo_links_pending, name="feedback_zalo_links"),
    path(
        "feedback/zalo/links/<int:pk>/verify/",
        zalo_link_views.zalo_link_verify,
        name="feedback_zalo_link_verify",
    ),
    path("feedback/reports/<int:pk>/", staff_views.report_detail, name="feedback_detail"),
    path(
        "feedback/reports/<int:pk>/status/",
        staff_views.report_transition,
        name="feedback_transition",
    ),
    path("feedback/reports/<int:pk>/reply/", staff_views.report_reply, name="feedback_reply"),
    path("feedback/reports/<int:pk>/note/", staff_views.report_note, name="feedback_note"),
    path("feedback/reports/<int:pk>/assign/", staff_views.report_assign, name="feedback_assign"),
    path(
        "feedback/reports/<int:pk>/moderate/",
        staff_views.report_moderate,
        name="feedback_moderate",
    ),
    path("feedback/reports/<int:pk>/block/", staff_views.sender_block, name="feedback_block"),
    path(
        "feedback/photos/<uuid:pk>/moderate/",
        staff_views.photo_moderate,
        name="feedback_photo_moderate",
    ),
    path("feedback/settings/", staff_views.settings_page, name="feedback_settings"),
    path("feedback/categories/", category_views.category_list, name="feedback_category_list"),
    path("feedback/categories/new/", category_views.category_add, name="feedback_category_add"),
    path(
        "feedback/categories/<int:pk>/",
        category_views.category_edit,
        name="feedback_category_edit",
    ),
    path(
        "feedback/categories/<int:pk>/move/",
        category_views.category_move,
        name="feedback_category_move",
    ),
    path(
        "feedback/categories/<int:pk>/remove/",
        category_views.category_remove,
        name="feedback_category_remove",
    ),
    path(
        "feedback/categories/<int:pk>/questions/",
        category_views.question_add,
        name="feedback_question_add",
    ),
    path(
        "feedback/categories/<int:pk>/questions/<slug:key>/",
        category_views.question_edit,
        name="feedback_question_edit",
    ),
    path(
        "feedback/categories/<int:pk>/questions/<slug:key>/move/",
        category_views.question_move,
        name="feedback_question_move",
    ),
    path(
        "feedback/categories/<int:pk>/questions/<slug:key>/remove/",
        category_views.question_remove,
        name="feedback_question_remove",
    ),
    path(
        "feedback/categories/<int:pk>/questions/<slug:key>/restore/",
        category_views.question_restore,
        name="feedback_question_restore",
    ),
    path("feedback/stats/", staff_views.stats, name="feedback_stats"),
    re_path(r"^feedback/export\.(?P<fmt>csv|xlsx)$", staff_views.export, name="feedback_export"),
    # Open311 GeoReport v2
    re_path(
        rf"^open311/v2/discovery\.{FMT}$", open311.discovery, name="feedback_open311_discovery"
    ),
    re_path(
        rf"^open311/v2/services\.{FMT}$", open311.services_list, name="feedback_open311_services"
    ),
    re_path(
        rf"^open311/v2/services/(?P<code>[-\w]+)\.{FMT}$",
        open311.service_definition,
        name="feedback_open311_service",
    ),
    re_path(
        rf"^open311/v2/requests\.{FMT}$", open311.requests_list, name="feedback_open311_requests"
    ),
    re_path(
        rf"^open311/v2/requests/(?P<request_id>[-\w]+)\.{FMT}$",
        open311.request_detail,
        name="feedback_open311_request",
    ),
    re_path(
        rf"^open311/v2/tokens/(?P<token>[-\w]+)\.{FMT}$",
        open311.token_detail,
        name="feedback_open311_token",
    ),
]
