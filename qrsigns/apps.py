from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QrsignsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "qrsigns"
    verbose_name = _("QR signs and public pages")

    def ready(self) -> None:
        from django.conf import settings

        from qrsigns import signals

        signals.connect()
        settings.CELERY_BEAT_SCHEDULE.setdefault(
            "qrsigns-purge-sheets",
            {"task": "qrsigns.tasks.sheets_purge_task", "schedule": 24 * 3600.0},
        )
