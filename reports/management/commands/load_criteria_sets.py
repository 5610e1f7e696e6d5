"""Install the default criteria sets (national, and the provincial example once its province
is loaded); sets that already exist by name are left alone."""

from typing import Any

from django.core.management.base import BaseCommand

from reports.defaults import install_defaults


class Command(BaseCommand):
    help = "Install the default smart-village criteria sets."

    def handle(self, *args: Any, **options: Any) -> None:
        created = install_defaults()
        for criteria_set in created:
            self.stdout.write(f"installed {criteria_set}")
        self.stdout.write(f"{len(created)} set(s) installed")
