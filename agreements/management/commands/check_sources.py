"""python manage.py check_sources [--all]: check source links for rot (as the Celery job)."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from agreements import staleness


class Command(BaseCommand):
    help = "Check source URLs (HEAD, falling back to GET) and record each result."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="Check every source, not only those due.")

    def handle(self, *args: Any, all: bool, **options: Any) -> None:
        older = None if all else dt.timedelta(days=settings.LINK_CHECK_EVERY_DAYS)
        result = staleness.check_sources(older_than=older) if older else staleness.check_sources()
        self.stdout.write(f"{result['checked']} source(s) checked, {result['dead']} dead.")
