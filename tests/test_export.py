"""The records CSV export: the import format, filters, spreadsheet safety and an exact round trip."""

import csv
import io

import pytest
from django.core.management import call_command

from agreements.importers import COLUMNS, import_records
from agreements.models import Actor, Arrangement, Source, Statement, StatusChange

from .conftest import SEED
from .factories import RECORD_HEADER
from .snapshots import snapshot

pytestmark = pytest.mark.django_db


def _export(client, query="") -> bytes:
    response = client.get("/export/records.csv" + query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return b"".join(response.streaming_content)


def _rows(data: bytes):
    return list(csv.DictReader(io.StringIO(data.decode())))


def test_header_is_the_import_format(client, seed):
    data = _export(client)
    assert data.decode().splitlines()[0] == ",".join(COLUMNS)
    assert len(_rows(data)) == 19


def test_export_then_import_into_an_empty_database_reproduces_the_data(client, seed, django_db_blocker):
    data = _export(client)
    before = snapshot()
    Statement.objects.all().delete()
    StatusChange.objects.all().delete()
    Arrangement.objects.all().delete()
    Actor.objects.all().delete()
    Source.objects.all().delete()
    assert Arrangement.objects.count() == 0
    report = import_records(data)
    assert report.created == 19
    assert snapshot() == before


def test_reimporting_an_export_changes_nothing(client, seed):
    data = _export(client)
    report = import_records(data)
    assert (report.created, report.unchanged) == (0, 19)


def test_filters(client, seed):
    rows = _rows(_export(client, "?receiving_country=SV"))
    assert {r["record_type"] for r in rows} == {"status_change"} and len(rows) == 2
    rows = _rows(_export(client, "?receiving_country=AO"))
    assert len(rows) == 4  # reported, the embassy denial, DHS and State (both concern Angola)
    rows = _rows(_export(client, "?since=2025-02-12&until=2025-02-20"))
    assert sorted(r["receiving_country"] for r in rows) == ["CR", "CR", "PA"]
    assert _rows(_export(client, "?sending_state=GB")) == []
    response = client.get("/export/records.csv?since=yesterday")
    assert response.status_code == 400 and "since" in response.json()["errors"]


def test_formula_cells_are_neutralised_and_round_trip_exactly(client, db):
    row = (
        'status_change,US,AO,2025-01-10,reported,"=HYPERLINK(""https://example.org"")",,,,,,,,'
        "https://example.org/f,@Publisher 1,-Wire,+Title,,,"
    )
    import_records((RECORD_HEADER + "\n" + row + "\n").encode())
    data = _export(client)
    exported = _rows(data)[0]
    assert exported["note"] == '\'=HYPERLINK("https://example.org")'
    assert exported["source_publisher"] == "'@Publisher 1" and exported["source_title"] == "'+Title"
    assert exported["source_origin"] == "'-Wire"
    assert import_records(data).unchanged == 1
    assert StatusChange.objects.get().note == '=HYPERLINK("https://example.org")'


def test_status_since_precision_survives_export(client, db):
    row = "status_change,US,AO,2025-05,reported,Synthetic,,,,,,,,https://example.org/p,Publisher 1,,,2025,,"
    import_records((RECORD_HEADER + "\n" + row + "\n").encode())
    exported = _rows(_export(client))[0]
    assert (exported["date"], exported["source_date"]) == ("2025-05", "2025")


def test_management_command_writes_the_same_csv(client, seed, tmp_path):
    out = tmp_path / "records.csv"
    call_command("export_records", "-o", str(out))
    assert out.read_bytes() == _export(client)


def test_seed_file_itself_round_trips(client, seed):
    exported = _rows(_export(client))
    original = list(csv.DictReader(io.StringIO(SEED.read_text())))
    for row in exported + original:  # the order of a statement's countries carries no meaning
        row["receiving_country"] = ";".join(sorted(row["receiving_country"].split(";")))
    key = lambda r: r["import_ref"]  # noqa: E731
    assert sorted(exported, key=key) == sorted(original, key=key)
