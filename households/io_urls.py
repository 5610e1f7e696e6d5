"""Import and export of the registry (spreadsheets), mounted under /registry/."""

from django.urls import path

from households import io_views

urlpatterns = [
    path("import/", io_views.household_import, name="household_import"),
    path(
        "import/template.<str:fmt>",
        io_views.household_import_template,
        name="household_import_template",
    ),
    path("import/<uuid:pk>/", io_views.household_import_job, name="household_import_job"),
    path(
        "import/<uuid:pk>/confirm/",
        io_views.household_import_confirm,
        name="household_import_confirm",
    ),
    path(
        "import/<uuid:pk>/cancel/",
        io_views.household_import_cancel,
        name="household_import_cancel",
    ),
    path("export/", io_views.household_export, name="household_export"),
]
