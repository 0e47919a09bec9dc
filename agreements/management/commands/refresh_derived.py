"""python manage.py refresh_derived: recompute every arrangement's derived state (status, people transferred,
disputed, publishers, staleness deadline) from its event log — after an upgrade that adds a derived field."""

from typing import Any

from django.core.management.base import BaseCommand

from agreements.models import Arrangement
from agreements.services import refresh_arrangements


class Command(BaseCommand):
    help = "Recompute the derived state of every arrangement from its event log (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        ids = list(Arrangement.objects.values_list("pk", flat=True))
        refresh_arrangements(ids)
        self.stdout.write(f"{len(ids)} arrangement(s) refreshed.")
