"""python manage.py flag_stale: flag arrangements that have gone stale (the same service as the Celery task)."""

from typing import Any

from django.core.management.base import BaseCommand

from agreements.services import flag_stale


class Command(BaseCommand):
    help = "Flag arrangements whose staleness deadline has passed and clear flags that no longer hold."

    def handle(self, *args: Any, **options: Any) -> None:
        flagged = flag_stale()
        self.stdout.write(f"{flagged} arrangement(s) newly flagged as stale.")
