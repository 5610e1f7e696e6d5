from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CamerasConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cameras"
    verbose_name = _("Cameras")

    def ready(self) -> None:
        from django.conf import settings

        from cameras import conf

        schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", None)
        if isinstance(schedule, dict):
            schedule.setdefault(
                "probe-cameras",
                {"task": "cameras.tasks.cameras_probe_task", "schedule": conf.probe_interval()},
            )
