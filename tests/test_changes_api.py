"""GET /api/v1/changes/?since=…: exactly the records created, changed or retracted after a moment or a release,
by kind and id, from the history tables; a bad `since` is a 400 naming it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from agreements import releases, services
from agreements.models import Actor, Source, Statement

pytestmark = pytest.mark.django_db


def _changes(client, since: str, **params) -> dict:
    response = client.get("/api/v1/changes/", {"since": since, **params})
    assert response.status_code == 200, response.content
    return response.json()


def _new_statement(paraphrase: str) -> Statement:
    return services.log_statement(
        actor=Actor.objects.order_by("pk").first(),
        sending_state="US",
        receiving_countries=["AO"],
        stance="commentary",
        date=dt.date(2025, 6, 1),
        paraphrase=paraphrase,
        sources=[Source.objects.order_by("pk").first()],
    )


def test_exactly_the_records_changed_after_the_moment(client, seed, editor):
    before = _new_statement("Synthetic paraphrase written before the moment.")
    moment = timezone.now()
    added = _new_statement("Synthetic paraphrase written after the moment.")  # 1: created
    source = Source.objects.order_by("pk").last()
    services.correct_record(obj=source, changes={"title": "Synthetic title"}, user=editor, reason="synthetic")  # 2
    retracted = Statement.objects.exclude(pk__in=[before.pk, added.pk]).filter(status_changes__isnull=True).first()
    services.retract_record(obj=retracted, user=editor, reason="Synthetic retraction")  # 3

    page = _changes(client, moment.isoformat())
    assert page["count"] == 3 and page["next"] is None
    assert [(r["kind"], r["id"], r["change"]) for r in page["results"]] == [
        ("statement", added.pk, "created"),
        ("source", source.pk, "changed"),
        ("statement", retracted.pk, "retracted"),
    ]
    assert all(dt.datetime.fromisoformat(r["at"]) > moment for r in page["results"])

    first, second = (
        _changes(client, moment.isoformat(), page_size=2),
        _changes(client, moment.isoformat(), page=2, page_size=2),
    )
    assert [r["id"] for r in first["results"] + second["results"]] == [r["id"] for r in page["results"]]
    assert first["next"] and second["previous"] is not None
    # The same moment with an offset, and a date (its first moment, UTC) that takes in the whole demo data too.
    shifted = moment.astimezone(dt.timezone(dt.timedelta(hours=2))).isoformat()
    assert _changes(client, shifted)["count"] == 3
    assert _changes(client, "2000-01-01")["count"] > 20


def test_since_a_release_number(client, seed, archive_dir):
    release = releases.publish()
    assert release is not None
    added = _new_statement("Synthetic paraphrase written after release 1.")
    page = _changes(client, "1")
    assert [(r["kind"], r["id"], r["change"]) for r in page["results"]] == [("statement", added.pk, "created")]


@pytest.mark.parametrize("since", ["", "yesterday", "2025-13-40T00:00:00Z", "7", "99999999999999", "²"])
def test_a_bad_since_is_a_400_naming_it(client, db, since):
    response = client.get("/api/v1/changes/", {"since": since} if since else {})
    assert response.status_code == 400 and "since" in response.json()


def test_a_source_added_to_a_record_is_a_change_of_it(client, seed):
    record = Statement.objects.order_by("pk").first()
    moment = timezone.now()
    source = services.get_or_create_source(url="https://example.org/synthetic/added", publisher="Publisher 9").obj
    assert services.add_sources(record=record, sources=[source]) == 1
    rows = [(r["kind"], r["id"], r["change"]) for r in _changes(client, moment.isoformat())["results"]]
    assert rows == [("source", source.pk, "created"), ("statement", record.pk, "changed")]


def test_an_import_that_adds_a_source_to_a_record_lists_it_as_changed(client, seed):
    import csv
    import io

    from agreements.importers import import_records
    from agreements.models import StatusChange

    from .conftest import SEED

    rows = list(csv.DictReader(io.StringIO(SEED.read_text())))
    row = dict(rows[0], source_url="https://example.org/synthetic/copy", source_publisher="Publisher 9")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerow(row)
    moment = timezone.now()
    assert import_records(out.getvalue().encode(), name="synthetic.csv").sources_added == 1
    record = StatusChange.objects.get(sources__url="https://example.org/synthetic/copy")
    changed = [(r["kind"], r["id"], r["change"]) for r in _changes(client, moment.isoformat())["results"]]
    assert ("status_change", record.pk, "changed") in changed and len(changed) == 2  # and the new source
