"""python manage.py export_records [-o FILE]: write the records CSV (the same as /export/records.csv)."""

import contextlib
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from agreements.dates import parse_partial_date
from agreements.exporters import csv_lines, record_rows


class Command(BaseCommand):
    help = "Export status changes and statements as a records CSV that re-imports to the same data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", help="File to write (default: standard output).")
        parser.add_argument("--sending-state", help="ISO alpha-2 code, e.g. US.")
        parser.add_argument("--receiving-country", help="ISO alpha-2 code.")
        parser.add_argument("--since", help="YYYY-MM-DD: events on or after.")
        parser.add_argument("--until", help="YYYY-MM-DD: events on or before.")

    def handle(self, *args: Any, **options: Any) -> None:
        filters = {
            "sending_state": options["sending_state"],
            "receiving_country": options["receiving_country"],
            "since": parse_partial_date(options["since"])[0] if options["since"] else None,
            "until": parse_partial_date(options["until"])[0] if options["until"] else None,
        }
        with contextlib.ExitStack() as stack:
            out = (
                stack.enter_context(open(options["output"], "w", encoding="utf-8", newline=""))
                if options["output"]
                else sys.stdout
            )
            for line in csv_lines(record_rows(**filters)):
                out.write(line)
