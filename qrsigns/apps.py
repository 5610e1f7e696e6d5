from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QrsignsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "qrsigns"
    verbose_name = _("QR signs and public pages")

    def ready(self) -> None:
        from qrsigns import signals

        signals.connect()
