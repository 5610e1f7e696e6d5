from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "feedback"
    verbose_name = _("Resident feedback")

    def ready(self) -> None:
        from django.conf import settings

        # Every 15 minutes: a lapse is noticed soon after it happens, and the reminder rows
        # keep each lapse to one message per interval however often this runs.
        settings.CELERY_BEAT_SCHEDULE.setdefault(
            "feedback-send-reminders",
            {"task": "feedback.tasks.reminders_send_task", "schedule": 900.0},
        )
