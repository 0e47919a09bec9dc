"""python manage.py archive_sources [--again] [ID ...]: capture sources into the archive (as the Celery task)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from agreements import archive
from agreements.models import Source


class Command(BaseCommand):
    help = "Capture sources (WARC, SHA-256, readable text): those never archived, or the given ids."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="Source ids (default: every source).")
        parser.add_argument("--again", action="store_true", help="Capture again sources that have a copy.")

    def handle(self, *args: Any, ids: list[int], again: bool, **options: Any) -> None:
        source_ids = ids or list(Source.objects.order_by("pk").values_list("pk", flat=True))
        result = archive.archive_sources(source_ids, force=again)
        seconds = result["seconds"]
        mean = f", {sum(seconds) / len(seconds):.2f} s per capture on average" if seconds else ""
        self.stdout.write(f"{result['captured']} source(s) archived, {len(result['failed'])} failed{mean}.")
        for failure in result["failed"]:
            self.stdout.write(f"  source {failure['source']}: {failure['problem']}")
