"""Routes of the app, mounted at the site root by villageportal/urls.py."""

from django.urls import include, path

from payments import api, import_views, qr_views, views

urlpatterns = [
    path("adoption/", views.adoption_home, name="payments_home"),
    path("adoption/lanes/<int:pk>/", views.lane_households, name="payments_lane"),
    path("adoption/households/<int:pk>/", views.checklist, name="payments_checklist"),
    path(
        "adoption/households/<int:pk>/save/", views.checklist_save, name="payments_checklist_save"
    ),
    path("adoption/visits/", views.visit_log, name="payments_visits"),
    path("adoption/work/<slug:code>/", views.work_list, name="payments_work_list"),
    path("adoption/figures/", views.figures, name="payments_figures"),
    path("adoption/figures/<slug:code>/", views.figure_list, name="payments_figure_list"),
    path("adoption/qr/", qr_views.code_list, name="payments_codes"),
    path("adoption/qr/new/", qr_views.code_create, name="payments_code_create"),
    path("adoption/qr/<int:pk>/", qr_views.code_detail, name="payments_code_detail"),
    path("adoption/qr/<int:pk>/qr.png", qr_views.code_png, name="payments_code_png"),
    path("adoption/qr/<int:pk>/qr.svg", qr_views.code_svg, name="payments_code_svg"),
    path("adoption/qr/<int:pk>/card/", qr_views.code_card, name="payments_code_card"),
    path("adoption/qr/<int:pk>/card.pdf", qr_views.code_pdf, name="payments_code_pdf"),
    path("adoption/import/", import_views.import_upload, name="payments_import"),
    path("adoption/import/<uuid:pk>/", import_views.import_detail, name="payments_import_detail"),
    path(
        "adoption/import/<uuid:pk>/confirm/",
        import_views.import_confirm,
        name="payments_import_confirm",
    ),
    path("api/v1/adoption/", include(api.router.urls)),
]
