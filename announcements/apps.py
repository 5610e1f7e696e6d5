from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnnouncementsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "announcements"
    verbose_name = _("Announcements")

    def ready(self) -> None:
        from announcements import services, zalo
        from villageportal import zalo_receipts

        for name in zalo.RECEIPT_EVENTS:
            zalo_receipts.register(name, services.zalo_receipt)
