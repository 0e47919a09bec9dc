"""The dataset as tables: what a release publishes, as CSV files described by Frictionless Table Schemas.

Each table names its columns (with their Table Schema type and a description), its primary key and its foreign keys;
`write_tables` reads the public record (retracted records left out) into CSV, and `descriptor` builds the
datapackage.json that describes the files. Columns marked `derived` are computed from other records (an
arrangement's status from its status changes, a source's latest capture): they are published, but a change in them
alone is not a change of the record in the changelog.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from .dates import format_partial_date
from .importers import escape_cell
from .models import (
    Actor,
    Arrangement,
    Country,
    PeopleBasis,
    ReportedTotal,
    Source,
    SourceCapture,
    Statement,
    StatusChange,
    Term,
    TransferNationality,
)

PARTIAL_DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"


@dataclass(frozen=True)
class Column:
    """One column: its Table Schema type, where its value comes from (a values() path, or `format` of the row)."""

    name: str
    type: str
    description: str
    path: str = ""
    format: Callable[[dict[str, Any]], Any] | None = None
    derived: bool = False
    enum: tuple[str, ...] = ()
    pattern: str = ""
    required: bool = False

    def value(self, row: dict[str, Any]) -> Any:
        return self.format(row) if self.format else row[self.path or self.name]

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "description": self.description}
        constraints: dict[str, Any] = {}
        if self.required:
            constraints["required"] = True
        if self.enum:
            constraints["enum"] = list(self.enum)
        if self.pattern:
            constraints["pattern"] = self.pattern
        if constraints:
            out["constraints"] = constraints
        return out


@dataclass(frozen=True)
class Table:
    """One CSV file of the package. A link table's rows belong to the record named by `owner` (column, table)."""

    name: str
    title: str
    description: str
    rows: Callable[[], QuerySet]
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[tuple[str, str, str], ...] = ()
    extra: tuple[str, ...] = ()  # values() paths that `format`s read
    owner: tuple[str, str] | None = None
    order: tuple[str, ...] = field(default=("pk",))

    @property
    def path(self) -> str:
        return f"data/{self.name}.csv"

    def values(self) -> Any:
        paths = [c.path or c.name for c in self.columns if not c.format] + list(self.extra)
        return self.rows().order_by(*self.order).values(*dict.fromkeys(paths)).iterator(chunk_size=2000)

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"fields": [c.schema() for c in self.columns], "primaryKey": list(self.primary_key)}
        if self.foreign_keys:
            schema["foreignKeys"] = [
                {"fields": column, "reference": {"resource": resource, "fields": target}}
                for column, resource, target in self.foreign_keys
            ]
        return schema


def _date(name: str, precision: str) -> Callable[[dict[str, Any]], str]:
    return lambda row: format_partial_date(row[name], row[precision])


def _choices(choices: Any) -> tuple[str, ...]:
    return tuple(str(value) for value, _ in choices)


ID = Column("id", "integer", "Stable id of the record (never reused).", required=True)
RECORDED = Column("recorded_at", "datetime", "When it was recorded (orders events of the same date).")


def _latest_capture(path: str) -> Subquery:
    return Subquery(
        SourceCapture.objects.filter(source=OuterRef("pk")).order_by("-captured_at", "-pk").values(path)[:1]
    )


def _links(through: Any, owner: tuple[str, str, str], other: tuple[str, str, str], description: str) -> Table:
    """A link table of a many-to-many relation, named after its ends ("statement_sources", "Sources of statements"):
    its rows belong to the `owner` record (column, table, field of the through model), whose retracted records are
    left out with their links."""
    name = f"{owner[0]}_{other[1]}"
    title = f"{other[1].capitalize()} of {owner[1].replace('_', ' ')}"
    columns = tuple(
        Column(
            column, "integer", f"The {table.removesuffix('s').replace('_', ' ')}.", path=f"{field}_id", required=True
        )
        for column, table, field in (owner, other)
    )
    return Table(
        name,
        title,
        description,
        lambda: through.objects.filter(**{f"{owner[2]}__retracted_at__isnull": True}),
        columns,
        (owner[0], other[0]),
        ((owner[0], owner[1], "id"), (other[0], other[1], "id")),
        owner=(owner[0], owner[1]),
        order=(f"{owner[2]}_id", f"{other[2]}_id"),
    )


# The ends of a link table: (column, table, field of the through model).
STATEMENT = ("statement", "statements", "statement")
STATUS_CHANGE = ("status_change", "status_changes", "statuschange")
SOURCE = ("source", "sources", "source")
ARRANGEMENT = ("arrangement", "arrangements", "arrangement")

TABLES: tuple[Table, ...] = (
    Table(
        "countries",
        "Countries",
        "ISO 3166-1 countries plus Kosovo (XK): reference data.",
        lambda: Country.objects.all(),
        (
            Column("iso2", "string", "ISO 3166-1 alpha-2 (XK: Kosovo).", required=True),
            Column("iso3", "string", "ISO 3166-1 alpha-3.", required=True),
            Column("iso_numeric", "string", "ISO 3166-1 numeric (empty for Kosovo)."),
            Column("name", "string", "Common English name.", required=True),
            Column("iso_name", "string", "ISO short name."),
            Column("region", "string", "Region."),
            Column("subregion", "string", "Subregion."),
            Column("latitude", "number", "A representative point: latitude."),
            Column("longitude", "number", "A representative point: longitude."),
        ),
        ("iso2",),
        order=("iso2",),
    ),
    Table(
        "actors",
        "Actors",
        "People and institutions that speak.",
        lambda: Actor.objects.all(),
        (
            ID,
            Column("name", "string", "Name.", required=True),
            Column("slug", "string", "Stable slug (its page: /actors/<slug>/).", required=True),
            Column("role", "string", "Role or title."),
            Column("kind", "string", "Kind of actor.", enum=_choices(Actor.Kind.choices), required=True),
            Column("country", "string", "The country it speaks for (ISO alpha-2).", path="country_id"),
        ),
        ("id",),
        (("country", "countries", "iso2"),),
    ),
    Table(
        "sources",
        "Sources",
        "Where each fact was reported, with the fingerprint of our latest archived copy.",
        lambda: Source.objects.annotate(x_sha256=_latest_capture("sha256")),
        (
            ID,
            Column("url", "string", "The source's URL (http or https).", required=True),
            Column("publisher", "string", "Where it was read.", required=True),
            Column("title", "string", "Title."),
            Column(
                "published",
                "string",
                "Published, at its precision.",
                format=_date("published", "published_precision"),
                pattern=PARTIAL_DATE,
            ),
            Column("kind", "string", "Kind of source.", enum=_choices(Source.Kind.choices)),
            Column("archive_url", "string", "A copy in another archive, when an editor gave one."),
            Column(
                "archived_at", "datetime", "When our latest copy was captured.", path="last_archived_at", derived=True
            ),
            Column(
                "archive_sha256", "string", "SHA-256 of the page in our latest copy.", path="x_sha256", derived=True
            ),
        ),
        ("id",),
        extra=("published", "published_precision"),
    ),
    Table(
        "arrangements",
        "Arrangements",
        "One sending state and one receiving country, with the state derived from its status changes.",
        lambda: Arrangement.objects.all(),
        (
            ID,
            Column("sending_state", "string", "ISO alpha-2.", path="sending_state_id", required=True),
            Column("receiving_country", "string", "ISO alpha-2.", path="receiving_country_id", required=True),
            Column("summary", "string", "A short neutral summary."),
            Column(
                "status",
                "string",
                "Current status (empty: no status change yet).",
                enum=_choices(Arrangement.Status.choices),
                derived=True,
            ),
            Column(
                "status_since",
                "string",
                "Date of the change that set it, at its precision.",
                format=_date("status_date", "status_precision"),
                derived=True,
                pattern=PARTIAL_DATE,
            ),
            Column(
                "people_transferred",
                "integer",
                "At least: people_counted or people_reported, the larger.",
                derived=True,
            ),
            Column(
                "people_basis",
                "string",
                "Which of the two gives people_transferred (a tie: reported_total).",
                enum=_choices(PeopleBasis.choices),
                derived=True,
            ),
            Column("people_counted", "integer", "The sum of its transfers reported with a number.", derived=True),
            Column("people_reported", "integer", "The latest cumulative total reported.", derived=True),
            Column(
                "disputed", "boolean", "The two governments' latest statements contradict each other.", derived=True
            ),
            Column("sources_count", "integer", "Independent publishers backing the current status.", derived=True),
            Column(
                "last_confirmed_at",
                "datetime",
                "Latest status change, statement, source or verification.",
                derived=True,
            ),
            Column("stale_after", "datetime", "When it goes stale unless confirmed (empty: never).", derived=True),
        ),
        ("id",),
        (("sending_state", "countries", "iso2"), ("receiving_country", "countries", "iso2")),
        extra=("status_date", "status_precision"),
    ),
    Table(
        "statements",
        "Statements",
        "What an actor said (or declined to say). Retracted statements are left out.",
        lambda: Statement.objects.all(),
        (
            ID,
            Column(
                "date",
                "string",
                "At its precision.",
                format=_date("date", "date_precision"),
                pattern=PARTIAL_DATE,
                required=True,
            ),
            Column("actor", "integer", "Who said it.", path="actor_id", required=True),
            Column(
                "sending_state",
                "string",
                "The sending state whose policy it concerns.",
                path="sending_state_id",
                required=True,
            ),
            Column("stance", "string", "Stance.", enum=_choices(Statement.Stance.choices), required=True),
            Column("quote", "string", "Verbatim words, when there are any."),
            Column("paraphrase", "string", "A neutral paraphrase."),
            RECORDED,
        ),
        ("id",),
        (("actor", "actors", "id"), ("sending_state", "countries", "iso2")),
        extra=("date", "date_precision"),
    ),
    Table(
        "status_changes",
        "Status changes",
        "The event log of each arrangement. Retracted changes are left out.",
        lambda: StatusChange.objects.all(),
        (
            ID,
            Column("arrangement", "integer", "The arrangement.", path="arrangement_id", required=True),
            Column(
                "date",
                "string",
                "At its precision.",
                format=_date("date", "date_precision"),
                pattern=PARTIAL_DATE,
                required=True,
            ),
            Column(
                "status", "string", "The status it moved to.", enum=_choices(Arrangement.Status.choices), required=True
            ),
            Column("note", "string", "Note."),
            Column("people", "integer", "People transferred in this event."),
            Column("statement", "integer", "The statement it was recorded with, if any.", path="statement_id"),
            RECORDED,
        ),
        ("id",),
        (("arrangement", "arrangements", "id"), ("statement", "statements", "id")),
        extra=("date", "date_precision"),
    ),
    Table(
        "terms",
        "Terms",
        "Known terms of arrangements (instrument, dates, who is covered, cap, payment), each with its source.",
        lambda: Term.objects.all(),
        (
            ID,
            Column("arrangement", "integer", "The arrangement.", path="arrangement_id", required=True),
            Column("kind", "string", "Which term.", enum=_choices(Term.Kind.choices), required=True),
            Column("value", "string", "The term, when it is a value."),
            Column(
                "date",
                "string",
                "The term, when it is a date.",
                format=_date("date", "date_precision"),
                pattern=PARTIAL_DATE,
            ),
            Column("source", "integer", "Its source.", path="source_id", required=True),
        ),
        ("id",),
        (("arrangement", "arrangements", "id"), ("source", "sources", "id")),
        extra=("date", "date_precision"),
    ),
    Table(
        "transfer_nationalities",
        "Nationalities of transfers",
        "The citizenships of the people transferred in each status change, in the order the sources give them, with "
        "how many held each when the sources say.",
        lambda: TransferNationality.objects.filter(status_change__retracted_at__isnull=True),
        (
            Column("status_change", "integer", "The transfer.", path="status_change_id", required=True),
            Column("nationality", "string", "ISO alpha-2.", path="country_id", required=True),
            Column("count", "integer", "People of this nationality (empty: not given)."),
        ),
        ("status_change", "nationality"),
        (("status_change", "status_changes", "id"), ("nationality", "countries", "iso2")),
        owner=("status_change", "status_changes"),
        order=("status_change_id", "pk"),
    ),
    Table(
        "reported_totals",
        "Reported totals",
        "Cumulative numbers of people transferred under an arrangement up to the date of the status change or "
        "statement that reports them, each as one of its sources gives it.",
        lambda: ReportedTotal.objects.standing(),
        (
            ID,
            Column("arrangement", "integer", "The arrangement.", path="arrangement_id", required=True),
            Column("status_change", "integer", "The status change that reports it, if any.", path="status_change_id"),
            Column("statement", "integer", "The statement that reports it, if any.", path="statement_id"),
            Column("source", "integer", "The source that gives it.", path="source_id", required=True),
            Column("people", "integer", "People transferred so far, as reported.", required=True),
            Column(
                "date",
                "string",
                "Its event's date, at its precision.",
                format=_date("on", "on_precision"),
                pattern=PARTIAL_DATE,
                derived=True,
            ),
        ),
        ("id",),
        (
            ("arrangement", "arrangements", "id"),
            ("status_change", "status_changes", "id"),
            ("statement", "statements", "id"),
            ("source", "sources", "id"),
        ),
        extra=("on", "on_precision"),
    ),
    _links(Statement.sources.through, STATEMENT, SOURCE, "Which sources report each statement."),
    _links(
        Statement.arrangements.through,
        STATEMENT,
        ARRANGEMENT,
        "Which arrangements each statement concerns (none: the sending state's policy in general).",
    ),
    _links(StatusChange.sources.through, STATUS_CHANGE, SOURCE, "Which sources report each status change."),
)


def cell(value: Any, column: Column) -> str:
    """A value as its CSV cell: empty for none, true/false, UTC timestamps; text guarded like every export."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = str(value)
    return escape_cell(text) if column.type == "string" else text


def write_table(table: Table) -> tuple[bytes, int]:
    """The table as CSV bytes (UTF-8, header first) and its number of rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.name for c in table.columns])
    count = 0
    for row in table.values():
        writer.writerow([cell(c.value(row), c) for c in table.columns])
        count += 1
    return out.getvalue().encode("utf-8"), count


def descriptor(files: dict[str, bytes], *, number: int, created: dt.datetime, meta: dict[str, Any]) -> dict[str, Any]:
    """datapackage.json for the table files (`files`: path → bytes), with each file's size and SHA-256."""
    resources = []
    for table in TABLES:
        data = files[table.path]
        resources.append(
            {
                "name": table.name,
                "title": table.title,
                "description": table.description,
                "path": table.path,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ",", "lineTerminator": "\n", "quoteChar": '"', "header": True},
                "bytes": len(data),
                "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
                "schema": table.schema(),
            }
        )
    package: dict[str, Any] = {
        "name": "third-country-tracker",
        "title": meta["title"],
        "description": (
            "Third-country deportation arrangements, the status changes and statements behind them, their actors "
            "and sources. Retracted records are left out (the changelog names them). Text cells that a "
            "spreadsheet would run as a formula start with an apostrophe."
        ),
        "version": f"{number}.0.0",
        "created": created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "licenses": [meta["license"]],
        "resources": resources,
    }
    if meta.get("homepage"):
        package["homepage"] = meta["homepage"]
    return package
