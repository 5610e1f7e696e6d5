"""Routes of the app, mounted at the site root by villageportal/urls.py."""

from django.urls import path

from reports import api, views

urlpatterns = [
    path("reports/", views.report_home, name="reports_home"),
    path("commune/", views.commune_home, name="commune_home"),
    path("reports/villages/<uuid:pk>/", views.village_report, name="reports_village"),
    path(
        "reports/villages/<uuid:pk>/missing/<slug:code>/",
        views.village_missing,
        name="reports_missing",
    ),
    path(
        "reports/villages/<uuid:pk>/records/<slug:code>/",
        views.village_records,
        name="reports_records",
    ),
    path(
        "reports/villages/<uuid:pk>/export/<slug:fmt>/",
        views.village_export,
        name="reports_village_export",
    ),
    path("reports/villages/<uuid:pk>/attest/<int:indicator>/", views.attest, name="reports_attest"),
    path("reports/evidence/<int:pk>/", views.evidence, name="reports_evidence"),
    path("reports/communes/<int:pk>/", views.commune_report, name="reports_commune"),
    path("reports/communes/<int:pk>/export/", views.commune_export, name="reports_commune_export"),
    path("reports/communes/<int:pk>/periods/", views.period_list, name="reports_periods"),
    path(
        "reports/communes/<int:pk>/periods/close/",
        views.period_close,
        name="reports_period_close",
    ),
    path("reports/periods/<int:pk>/", views.period_detail, name="reports_period"),
    path("reports/periods/<int:pk>/reopen/", views.period_reopen, name="reports_period_reopen"),
    path("reports/periods/<int:pk>/export/", views.period_export, name="reports_period_export"),
    path(
        "reports/provinces/<int:pk>/export/", views.province_export, name="reports_province_export"
    ),
    path("reports/exports/<uuid:pk>/", views.export_job, name="reports_export_job"),
    path(
        "reports/exports/<uuid:pk>/download/",
        views.export_download,
        name="reports_export_download",
    ),
    path("reports/sets/", views.set_list, name="reports_sets"),
    path(
        "reports/communes/<int:pk>/criteria/",
        views.commune_criteria,
        name="reports_commune_criteria",
    ),
    path("reports/sets/new/", views.set_create, name="reports_set_create"),
    path("reports/sets/<int:pk>/", views.set_detail, name="reports_set_detail"),
    path("reports/sets/<int:pk>/edit/", views.set_edit, name="reports_set_edit"),
    path("reports/sets/<int:pk>/version/", views.set_new_version, name="reports_set_new_version"),
    path("reports/sets/<int:pk>/in-use/", views.set_put_in_use, name="reports_set_put_in_use"),
    path("reports/sets/<int:pk>/retire/", views.set_retire, name="reports_set_retire"),
    path(
        "api/v1/reports/villages/<uuid:pk>/",
        api.VillageReportView.as_view(),
        name="reports_api_village",
    ),
    path(
        "api/v1/reports/communes/<int:pk>/",
        api.CommuneReportView.as_view(),
        name="reports_api_commune",
    ),
]
