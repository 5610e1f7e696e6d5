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
        from celery.schedules import crontab
        from django.conf import settings

        # Nightly, after the day's work: every village's figures for the trends.
        schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", None)
        if isinstance(schedule, dict):
            schedule.setdefault(
                "reports-nightly-snapshots",
                {
                    "task": "reports.tasks.snapshots_take_task",
                    "schedule": crontab(hour=1, minute=30),
                },
            )
            schedule.setdefault(
                "reports-purge-exports",
                {"task": "reports.tasks.exports_purge_task", "schedule": crontab(hour=2, minute=0)},
            )
