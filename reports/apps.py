from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Criteria and reports")

    def ready(self) -> None:
        # Every app's measures (``<app>/measures.py``) register themselves on import.
        autodiscover_modules("measures")
