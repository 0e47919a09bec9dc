"""python manage.py import_records FILE.csv [--dry-run]: import a records CSV (IMPORT_FORMAT.md)."""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agreements.importers import ImportError_, import_records


class Command(BaseCommand):
    help = "Import status changes and statements from a records CSV; nothing is written unless every row is valid."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Path to the CSV file, or - for standard input.")
        parser.add_argument("--dry-run", action="store_true", help="Validate and report only; write nothing.")

    def handle(self, *args: Any, file: str, dry_run: bool, **options: Any) -> None:
        if file == "-":
            data, name = sys.stdin.buffer.read(), "standard input"
        else:
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"{file}: no such file")
            data, name = path.read_bytes(), path.name

        def progress(done: int, total: int) -> None:
            # While validating, `total` is not known yet (0); the write is one step at the end.
            if options["verbosity"] > 0 and (total == 0 or total >= 1000):
                message = f"  validated {done:,} lines" if total == 0 else f"  wrote {total:,} rows"
                self.stderr.write(message, ending="\r" if total == 0 else "\n")

        try:
            report = import_records(data, dry_run=dry_run, name=name, progress=progress)
        except ImportError_ as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"{name}: {len(exc.problems)} problem(s); nothing was written. Fix them and import again."
            ) from None
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(f"warning: {warning}"))
        self.stdout.write(self.style.SUCCESS(report.summary()))
