from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class AnnouncementsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "announcements"
    verbose_name = _("Announcements")

    def ready(self) -> None:
        schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", None)
        if schedule is None:
            return
        # A drain for any channel with ready rows: nothing is lost to a broker restart.
        schedule.setdefault(
            "announcements-kick-deliveries",
            {"task": "announcements.tasks.deliveries_kick_task", "schedule": 60.0},
        )
        # Scheduled announcements and event reminders whose time has come.
        schedule.setdefault(
            "announcements-send-due",
            {"task": "announcements.tasks.announcements_send_due_task", "schedule": 60.0},
        )
