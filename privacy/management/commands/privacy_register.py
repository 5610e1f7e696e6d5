"""Write the processing register or its impact-assessment annex of a commune to a file."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from households.models import Commune
from privacy import documents


class Command(BaseCommand):
    help = "Write a commune's personal data processing register (or its annex) as XLSX or PDF."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--format", choices=documents.FORMATS, default="xlsx")
        parser.add_argument("--document", choices=documents.DOCUMENTS, default="register")
        parser.add_argument("--commune", help="the commune's id (the first commune if absent)")
        parser.add_argument("--output", help="the file to write (default: a name in .)")

    def handle(self, *args: Any, **options: Any) -> None:
        communes = Commune.objects.select_related("province").order_by("pk")
        if options["commune"]:
            try:
                commune = communes.get(pk=int(options["commune"]))
            except (ValueError, Commune.DoesNotExist) as exc:
                raise CommandError(f"No commune with id {options['commune']!r}.") from exc
        else:
            first = communes.first()
            if first is None:
                raise CommandError("There is no commune yet.")
            commune = first
        fmt, document = options["format"], options["document"]
        with translation.override("vi"):
            data = documents.render(commune=commune, document=document, fmt=fmt)
        path = options["output"] or documents.filename(commune=commune, document=document, fmt=fmt)
        with open(path, "wb") as handle:
            handle.write(data)
        self.stdout.write(f"{path}: {len(data)} bytes")
