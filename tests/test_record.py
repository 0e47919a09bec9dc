"""The record the tracker ships (seed + sourced records): what `make run` serves, idempotently, and its round trip."""

import pytest
from django.core.management import call_command

from agreements.importers import import_records
from agreements.models import Actor, Arrangement, Source, Statement, StatusChange

from .conftest import import_record
from .snapshots import snapshot

pytestmark = pytest.mark.django_db

SENDING_STATES = {"US", "GB", "AU", "IL", "IT", "DK", "NL"}


def _api_arrangements(client) -> list[dict]:
    response = client.get("/api/v1/arrangements/?page_size=500")
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    return body["results"]


def test_the_record_serves_45_arrangements_of_7_sending_states(client, record):
    results = _api_arrangements(client)
    assert len(results) == 45
    assert {r["sending_state"] for r in results} == SENDING_STATES
    assert [(r.created, r.unchanged) for r in record] == [(19, 0), (114, 0)]
    rwanda = {r["sending_state"]: r["status"] for r in results if r["receiving_country"] == "RW"}
    assert rwanda == {"US": "implemented", "GB": "ended", "DK": "suspended", "IL": "denied"}


def test_importing_the_record_again_changes_nothing(client, record):
    before, api_before = snapshot(), _api_arrangements(client)
    histories = [m.history.count() for m in (Actor, Source, Arrangement, StatusChange, Statement)]
    again = import_record()
    assert [(r.created, r.unchanged, r.sources_added) for r in again] == [(0, 19, 0), (0, 114, 0)]
    assert snapshot() == before and _api_arrangements(client) == api_before
    assert [m.history.count() for m in (Actor, Source, Arrangement, StatusChange, Statement)] == histories


def test_the_export_of_the_record_reimports_into_an_empty_database(record, tmp_path):
    out = tmp_path / "records.csv"
    call_command("export_records", "-o", str(out))
    before = snapshot()
    assert any(source[2] for source in before[4]), "the record carries origins"
    Statement.all_objects.all().delete()
    StatusChange.all_objects.all().delete()
    Arrangement.objects.all().delete()
    Actor.objects.all().delete()
    Source.objects.all().delete()
    report = import_records(out.read_bytes())
    assert report.created == sum(r.created for r in record) and report.warnings == []
    assert snapshot() == before
