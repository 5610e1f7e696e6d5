"""Load the official provinces and communes (2025 two-level structure) from vietnam-provinces."""

from typing import Any

from django.core.management.base import BaseCommand

from households.territory import territory_load


class Command(BaseCommand):
    help = "Load or update the 34 provinces and their communes from the vietnam-provinces package."

    def handle(self, *args: Any, **options: Any) -> None:
        provinces, communes = territory_load()
        self.stdout.write(
            self.style.SUCCESS(f"Territory loaded: {provinces} provinces, {communes} communes.")
        )
