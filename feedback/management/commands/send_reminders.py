from typing import Any

from django.core.management.base import BaseCommand

from feedback.services import reminders_send


class Command(BaseCommand):
    help = "Remind assignees and village heads of feedback reports past their deadline."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = reminders_send()
        self.stdout.write(f"{sent} reminder(s) sent")
