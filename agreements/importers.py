"""The records CSV (IMPORT_FORMAT.md): parse and validate a whole file, then write it through the services.

Nothing is written unless every row is valid; every problem is reported as `line N, column C: what is wrong
(value given)`. Re-importing the same file changes nothing. `dry_run` runs the whole import and rolls it back, so
its summary is exactly what a real run would do.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from . import services
from .dates import DateFormatError, Precision, parse_partial_date
from .models import Actor, Arrangement, Source, Statement
from .reference import parse_country

COLUMNS = (
    "record_type",
    "sending_state",
    "receiving_country",
    "date",
    "status",
    "note",
    "people",
    "nationalities",
    "people_total",
    "actor",
    "actor_role",
    "actor_kind",
    "actor_country",
    "stance",
    "quote",
    "source_url",
    "source_publisher",
    "source_origin",
    "source_title",
    "source_date",
    "source_kind",
    "import_ref",
)
TRANSFER_COLUMNS = ("nationalities", "people_total")  # optional: a file without them imports as before
ALWAYS_REQUIRED = ("record_type", "sending_state", "date", "source_url", "source_publisher")
STATUS_CHANGE_ONLY = ("people",)
NATIONALITY_COUNT = ":"  # `VN:3`: a country and how many of its citizens
STATEMENT_ONLY = ("actor", "actor_role", "actor_kind", "actor_country", "stance", "quote")
FORMULA_START = ("=", "+", "-", "@")
MAX_CELL = 10_000


def _lines(problems: list[str]) -> int:
    """How many distinct lines the problems are on."""
    return len({m.group(1) for p in problems if (m := re.match(r"line (\d+)", p))})


class ImportError_(Exception):
    """The file cannot be imported; `problems` lists every reason."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


Row = services.EventRow


@dataclass
class ImportReport(services.BulkResult):
    """What an import did (the bulk engine's counts and warnings) and what it refused."""

    rows: int = 0
    invalid: int = 0
    errors: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        prefix = "Dry run (nothing written): " if self.dry_run else ""
        details = (
            f"{self.details_added} gave an existing record its nationalities or a reported total, "
            if self.details_added
            else ""
        )
        return (
            f"{prefix}{self.rows} rows: {self.created} created, {self.unchanged} unchanged, "
            f"{self.sources_added} added a source to an existing record, {details}{self.invalid} invalid."
        )


def unescape_cell(value: str) -> str:
    """Undo the export's spreadsheet guard: a leading apostrophe before = + - @ is removed."""
    if len(value) >= 2 and value[0] == "'" and value[1] in FORMULA_START:
        return value[1:]
    return value


def escape_cell(value: str) -> str:
    """The export's spreadsheet guard: a cell that starts like a formula gets a leading apostrophe."""
    if value and (value[0] in FORMULA_START or (value[0] == "'" and value[1:2] in FORMULA_START)):
        return "'" + value
    return value


class _RowParser:
    """Turns one CSV record into a Row, or collects `line N, column C: problem (value)` messages."""

    def __init__(self, line: int, cells: dict[str, str]):
        self.line = line
        self.cells = cells
        self.problems: list[str] = []

    def problem(self, column: str, message: str, value: str | None = None) -> None:
        given = self.cells.get(column, "") if value is None else value
        shown = given if len(given) <= 80 else given[:77] + "..."
        self.problems.append(f"line {self.line}, column {column}: {message} ({shown!r})")

    def get(self, column: str) -> str:
        return self.cells.get(column, "")

    def filled(self, columns: tuple[str, ...], required: bool, message: str) -> None:
        """A problem for each of `columns` that is empty (required) or filled (not used on this kind of row)."""
        for column in columns:
            if bool(self.get(column).strip()) != required:
                self.problem(column, message)

    def country(self, column: str, value: str | None = None) -> Any:
        text = (self.get(column) if value is None else value).strip()
        country = parse_country(text)
        if country is None:
            self.problem(column, "unknown country; use ISO alpha-2, alpha-3 or the English short name", text)
        return country

    def date(self, column: str) -> tuple[dt.date | None, str]:
        text = self.get(column).strip()
        try:
            value, precision = parse_partial_date(text)
        except DateFormatError as exc:
            self.problem(column, str(exc))
            return None, Precision.DAY
        if value > dt.date.today():
            self.problem(column, "the date is in the future")
        return value, precision

    def choice(self, column: str, choices: list[str]) -> str:
        value = self.get(column).strip().lower()
        if value and value not in choices:
            self.problem(column, f"must be one of {', '.join(choices)}")
        return value

    def whole_number(self, column: str) -> int | None:
        """An optional count: empty is None; anything but a whole number in the column's range is a problem."""
        text = self.get(column).strip()
        if not text:
            return None
        try:
            return services.whole_number(text, field=column)
        except ValidationError as exc:
            self.refused(column, exc)
            return None

    def refused(self, column: str, exc: ValidationError) -> None:
        """A problem on `column` in the words of a shared check (services.checks), which names its own field."""
        for messages in exc.message_dict.values():
            for message in messages:
                self.problem(column, message[:1].lower() + message[1:].rstrip("."))

    def parse(self) -> Row | None:
        for column, value in self.cells.items():
            if len(value) > MAX_CELL:
                self.problem(column, f"longer than {MAX_CELL:,} characters", value)
            if "\x00" in value:  # PostgreSQL cannot store it; no value in this format has one
                self.problem(column, "contains a NUL character", value)
        record_type = self.get("record_type").strip().lower()
        if record_type not in ("status_change", "statement"):
            self.problem("record_type", "must be status_change or statement")
            return None
        self.filled(ALWAYS_REQUIRED, True, "required")
        is_change = record_type == "status_change"
        if is_change:
            self.filled(("receiving_country", "status"), True, "required on a status_change row")
            self.filled(STATEMENT_ONLY, False, "not used on a status_change row (it would be lost)")
        else:
            self.filled(("actor", "stance"), True, "required on a statement row")
            self.filled(STATUS_CHANGE_ONLY, False, "not used on a statement row (it would be lost)")
            if not self.get("quote").strip() and not self.get("note").strip():
                self.problem("quote", "a statement needs a quote or a note")

        sending = self.country("sending_state") if self.get("sending_state").strip() else None
        receiving = []
        receiving_text = self.get("receiving_country").strip()
        if receiving_text:
            parts = [p.strip() for p in receiving_text.split(";") if p.strip()]
            if is_change and len(parts) > 1:
                self.problem("receiving_country", "a status_change row names one country")
            for part in parts:
                country = self.country("receiving_country", part)
                if country is not None and country not in receiving:
                    receiving.append(country)
                    if sending is not None and country.pk == sending.pk:
                        self.problem("receiving_country", "the receiving country is the sending state", part)
        date, precision = self.date("date") if self.get("date").strip() else (None, Precision.DAY)
        status = self.choice("status", Arrangement.Status.values)
        if status and not is_change and not receiving:
            self.problem("status", "a status on a statement row needs a receiving_country")
        people = self.whole_number("people")
        nationalities = self.nationalities(people, is_change=is_change, status=status, receiving=receiving)
        people_total = self.whole_number("people_total")
        if self.get("people_total").strip() and not is_change and len(receiving) != 1:
            self.problem("people_total", "a total on a statement row is about one receiving_country")
        stance = self.choice("stance", Statement.Stance.values)
        actor_kind = self.choice("actor_kind", Actor.Kind.values)
        actor_country = self.country("actor_country") if self.get("actor_country").strip() else None
        source_kind = self.choice("source_kind", Source.Kind.values)
        url = self.get("source_url").strip()
        if url:
            try:
                url = services.clean_http_url(url, field="source_url")
            except ValidationError as exc:
                self.refused("source_url", exc)
        source_date, source_precision = (
            self.date("source_date") if self.get("source_date").strip() else (None, Precision.DAY)
        )
        for column, limit in (
            ("note", services.MAX_TEXT),
            ("quote", services.MAX_TEXT),
            ("actor", 200),
            ("source_publisher", 200),
            ("source_origin", 200),
            ("source_title", 500),
            ("import_ref", 200),
        ):
            if len(self.get(column).strip()) > limit:
                self.problem(column, f"at most {limit:,} characters")
        if self.problems or sending is None or date is None:
            return None
        return Row(
            line=self.line,
            record_type=record_type,
            sending_state=sending,
            receiving=receiving,
            date=date,
            precision=precision,
            status=status,
            note=self.get("note").strip(),
            people=people,
            actor=self.get("actor").strip(),
            actor_role=self.get("actor_role").strip(),
            actor_kind=actor_kind,
            actor_country=actor_country,
            stance=stance,
            quote=self.get("quote").strip(),
            source={
                "url": url,
                "publisher": self.get("source_publisher").strip(),
                "origin": self.get("source_origin").strip(),
                "title": self.get("source_title").strip(),
                "published": source_date,
                "published_precision": source_precision,
                "kind": source_kind,
            },
            import_ref=self.get("import_ref").strip(),
            nationalities=nationalities,
            people_total=people_total,
        )

    def nationalities(self, people: int | None, *, is_change: bool, status: str, receiving: list[Any]) -> Any:
        """The `nationalities` cell (`VN;JM`, `VE:238;SV:23`) through the shared check: known countries (the one
        country parser), each once, counts whole numbers not above the row's people."""
        text = self.get("nationalities").strip()
        if not text:
            return []
        if not is_change and not (status and len(receiving) == 1):
            self.problem("nationalities", "on a statement row, needs the status it records and one receiving_country")
            return []
        pairs = []
        for part in (p.strip() for p in text.split(";")):
            country, colon, count = part.partition(NATIONALITY_COUNT)
            if colon and not count.strip():
                self.problem("nationalities", f"{part!r}: a count follows the ':'")
                return []
            if part:
                pairs.append((country.strip(), count.strip() if colon else None))
        try:
            return services.check_nationalities(pairs, people)
        except ValidationError as exc:
            self.refused("nationalities", exc)
            return []


def read_records(data: bytes, progress: Callable[[int, int], None] | None = None) -> tuple[list[Row], list[str]]:
    """Parse and validate the whole file; returns the rows and every problem found."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return [], [f"line {line}: the file is not UTF-8 (byte {data[exc.start]:#04x} at offset {exc.start})"]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return [], ["line 1: the file is empty; a header row is required"]
    except csv.Error as exc:
        return [], [f"line 1: not valid CSV ({exc})"]
    names = [h.strip().lower() for h in header]
    problems = []
    for index, name in enumerate(names):
        if name not in COLUMNS:
            problems.append(f"line 1, column {index + 1}: unknown column ({header[index]!r})")
        elif names.index(name) != index:
            problems.append(f"line 1, column {index + 1}: column given twice ({header[index]!r})")
    for name in ALWAYS_REQUIRED:
        if name not in names:
            problems.append(f"line 1: the required column {name} is missing")
    if problems:
        return [], problems

    rows: list[Row] = []
    line = reader.line_num + 1
    refs: dict[str, tuple[int, str]] = {}
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(f"line {line}: not valid CSV ({exc})")
            break
        start, line = line, reader.line_num + 1
        if progress is not None and start % 1000 == 0:
            progress(start, 0)
        if not any(cell.strip() for cell in record):
            continue  # blank line
        if len(record) != len(names):
            problems.append(f"line {start}: {len(record)} cells where the header has {len(names)}")
            continue
        cells = {name: unescape_cell(value) for name, value in zip(names, record, strict=True)}
        parser = _RowParser(start, cells)
        row = parser.parse()
        problems.extend(parser.problems)
        if row is None:
            continue
        if row.import_ref:
            seen = refs.get(row.import_ref)
            if seen is not None and seen[1] != row.key():
                problems.append(
                    f"line {start}, column import_ref: already used on line {seen[0]} for a different record "
                    f"({row.import_ref!r})"
                )
                continue
            refs.setdefault(row.import_ref, (start, row.key()))
        rows.append(row)
    return rows, problems


class _Rollback(Exception):
    pass


def import_records(
    data: bytes,
    *,
    dry_run: bool = False,
    name: str = "records CSV",
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import a records CSV. Raises ImportError_ listing every problem; then nothing is written."""
    rows, problems = read_records(data, progress)
    report = ImportReport(rows=len(rows), dry_run=dry_run)
    if problems:
        report.invalid = _lines(problems)
        raise ImportError_(problems)
    try:
        with transaction.atomic():
            try:
                result = services.record_events(events=rows, reason=f"import of {name}"[:100])
            except ValidationError as exc:
                problems.extend(f"{column}: {m}" for column, messages in exc.message_dict.items() for m in messages)
                raise _Rollback from None
            report.created, report.unchanged = result.created, result.unchanged
            report.sources_added, report.warnings = result.sources_added, result.warnings
            report.details_added = result.details_added
            if progress is not None:
                progress(len(rows), len(rows))
            if dry_run:
                raise _Rollback
    except _Rollback:
        if problems:
            report.invalid = _lines(problems) or 1
            raise ImportError_(problems) from None
    return report
