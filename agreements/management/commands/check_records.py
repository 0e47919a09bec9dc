"""python manage.py check_records: what a careful editor would fix in the records, with counts and links.

Prints each kind of finding with its count and, for each finding, the editor page that fixes it. A report, not a
gate: it exits 0 whatever it finds (the same list is on /editor/records-check/).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from agreements.quality import records_check


class Command(BaseCommand):
    help = "List what a careful editor would fix in the records (findings with counts and links); exits 0."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base-url", default="", help="Prefix for the links, e.g. https://tracker.example.org (default: paths)."
        )

    def handle(self, *args: Any, base_url: str, **options: Any) -> None:
        checks = records_check()
        total = sum(len(check.findings) for check in checks)
        self.stdout.write(f"Records check: {total} finding(s) in {len(checks)} checks.")
        for check in checks:
            self.stdout.write("")
            self.stdout.write(self.style.MIGRATE_HEADING(f"{check.title}: {len(check.findings)}"))
            if check.findings:
                self.stdout.write(f"  {check.advice}")
            for finding in check.findings:
                self.stdout.write(f"  - {finding.text} — {finding.action}: {base_url.rstrip('/')}{finding.url}")
