from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "privacy"
    verbose_name = _("Personal data protection")

    def ready(self) -> None:
        # Every app's personal-field declarations (``<app>/privacy.py``) register on import.
        autodiscover_modules("privacy")
