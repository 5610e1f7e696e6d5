"""Print a new VAPID key pair (RFC 8292) for Web Push, as the settings take it."""

from typing import Any

from django.core.management.base import BaseCommand

from announcements.webpush import vapid_key_pair


class Command(BaseCommand):
    help = "Print a new VAPID key pair for push notifications (WEBPUSH_VAPID_* settings)."

    def handle(self, *args: Any, **options: Any) -> None:
        public, private = vapid_key_pair()
        self.stdout.write(f"WEBPUSH_VAPID_PUBLIC_KEY={public}")
        self.stdout.write(f"WEBPUSH_VAPID_PRIVATE_KEY={private}")
        self.stdout.write("WEBPUSH_VAPID_SUBJECT=mailto:admin@example.org")
