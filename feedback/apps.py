from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "feedback"
    verbose_name = _("Resident feedback")

    def ready(self) -> None:
        from feedback import zalo_inbox
        from villageportal import zalo_followers

        zalo_followers.register(zalo_inbox.followers_for)
