"""python manage.py flag_stale: flag arrangements that have gone stale and send the digest (as the Celery job)."""

from typing import Any

from django.core.management.base import BaseCommand

from agreements import staleness


class Command(BaseCommand):
    help = "Flag arrangements whose staleness deadline has passed, clear flags that no longer hold, send the digest."

    def handle(self, *args: Any, **options: Any) -> None:
        flagged = staleness.flag_stale()
        sent = staleness.send_digests()
        self.stdout.write(f"{flagged} arrangement(s) newly flagged as stale; {sent} digest(s) sent.")
