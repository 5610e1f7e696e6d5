"""Routes of the app, mounted at the site root by villageportal/urls.py."""

from django.urls import path

from cameras import io_views, views

urlpatterns = [
    path("cameras/", views.camera_list, name="camera_list"),
    path("cameras/map/", views.camera_map, name="camera_map"),
    path("cameras/coverage/", views.camera_coverage, name="camera_coverage"),
    path("cameras/new/", views.camera_create, name="camera_create"),
    path("cameras/views/", views.camera_view_log, name="camera_view_log"),
    path("cameras/<int:pk>/", views.camera_detail, name="camera_detail"),
    path("cameras/<int:pk>/edit/", views.camera_edit, name="camera_edit"),
    path("cameras/<int:pk>/maintenance/", views.camera_maintenance, name="camera_maintenance"),
    path("cameras/<int:pk>/delete/", views.camera_delete, name="camera_delete"),
    path("cameras/<int:pk>/watch/", views.camera_watch, name="camera_watch"),
    path("cameras/<int:pk>/snapshot/", views.camera_snapshot, name="camera_snapshot"),
    path("cameras/import/", io_views.camera_import, name="camera_import"),
    path(
        "cameras/import/template.csv",
        io_views.camera_import_template,
        name="camera_import_template",
    ),
    path("cameras/import/<int:pk>/", io_views.camera_import_job, name="camera_import_job"),
    path(
        "cameras/import/<int:pk>/confirm/",
        io_views.camera_import_confirm,
        name="camera_import_confirm",
    ),
    path(
        "cameras/import/<int:pk>/cancel/",
        io_views.camera_import_cancel,
        name="camera_import_cancel",
    ),
    path("cameras/export/", io_views.camera_export, name="camera_export"),
]
