"""/api/v1/map/ and the pages around it: every country, ETag/304, cached and invalidated by every write, flat query
counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import Arrangement, Source, Statement, StatusChange

from .factories import bulk_arrangements, bulk_transfers, change

pytestmark = pytest.mark.django_db


def _entries(client, query=""):
    response = client.get(f"/api/v1/map/{query}")
    assert response.status_code == 200
    return {e["iso2"]: e for e in response.json()["results"]}


def test_every_country_is_on_the_map(client, seed):
    entries = _entries(client)
    assert len(entries) >= 240
    ao = entries["AO"]
    assert (ao["status"], ao["iso_numeric"], ao["name"], ao["disputed"]) == ("denied", "024", "Angola", False)
    assert entries["FR"]["status"] is None and entries["FR"]["status_label"] == "No reports"
    assert entries["XK"]["iso_numeric"] is None


def test_as_of_and_sending_state(client, seed):
    entries = _entries(client, "?sending_state=US&as_of=2025-02-15")
    assert entries["CR"]["status"] is None
    assert entries["SV"]["status"] == "agreed"
    assert all(e["status"] is None for e in _entries(client, "?sending_state=GBR").values())


def test_etag_gives_304(client, seed):
    first = client.get("/api/v1/map/")
    etag = first["ETag"]
    again = client.get("/api/v1/map/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    assert client.get("/api/v1/map/?as_of=2025-02-15", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_cached_map_is_served_without_touching_the_database(client, seed):
    client.get("/api/v1/map/")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/map/").status_code == 200
    assert len(ctx.captured_queries) == 0


def test_every_write_invalidates_the_map(client, seed, django_capture_on_commit_callbacks):
    etag = client.get("/api/v1/map/")["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        change("FR", "reported", dt.date(2025, 6, 1))
    response = client.get("/api/v1/map/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert {e["iso2"]: e for e in response.json()["results"]}["FR"]["status"] == "reported"


def test_bad_parameters_name_the_field(client, db):
    response = client.get("/api/v1/map/?as_of=soon")
    assert response.status_code == 400 and "as_of" in response.json()
    response = client.get("/countries/AO/panel/?sending_state=Atlantis")
    assert response.status_code == 400 and "sending_state" in response.json()


def _queries(client, url) -> int:
    from django.core.cache import cache

    cache.clear()
    client.get(url)  # one-off costs of a connection (SQLite's JSON feature check) are not the page's
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


DEMO_URLS = [
    "/",
    "/?as_of=2025-03-01",
    "/api/v1/map/",
    "/api/v1/map/?as_of=2025-03-01",
    "/countries/AO/panel/",
    "/countries/AO/panel/?as_of=2025-05-10",
    "/countries/",
    "/countries/AO/",
    "/countries/US/",
    "/changes/",
    "/api/v1/arrangements/?page_size=500",
    "/changes/compare/?from=2025-02-15&to=2025-05-31",
    "/changes/compare/export.csv?from=2025-02-15&to=2025-05-31",
    "/changes/compare/export.json?from=2025-02-15&to=2025-05-31",
    "/embed/map/?as_of=2025-03-01",
    "/embed/countries/US/",
    "/map.svg",
    "/countries/US/card.png",
    "/actors/marco-rubio/",
    "/arrangements/?status=denied",
    "/map.svg?sending_state=all",
    "/embed/map/?sending_state=all&as_of=2025-03-01",
    "/changes/compare/?from=2025-02-15&to=2025-05-31&sending_state=all",
    "/api/v1/changes/?since=2000-01-01&page_size=500",
    "/data/",
    "/sources/",
]


def _counts(client, urls) -> dict[str, int]:
    """Each page's query count (after a first request: the backend's one-time probes are not the page's)."""
    for url in urls:
        _queries(client, url)
    return {url: _queries(client, url) for url in urls}


def test_query_count_is_flat_from_demo_data_to_2000_arrangements(client, seed):
    small = _counts(client, DEMO_URLS)
    bulk_arrangements(2000)
    assert Arrangement.objects.count() >= 2000
    assert _counts(client, DEMO_URLS) == small


def test_a_source_page_keeps_a_flat_query_count_as_its_citations_grow(client, seed):
    source = Source.objects.order_by("pk").first()
    small = _queries(client, f"/sources/{source.pk}/")
    bulk_arrangements(2000)
    for model, column in ((Statement, "statement_id"), (StatusChange, "statuschange_id")):
        through = model.sources.through
        through.objects.bulk_create(
            [through(**{column: pk, "source_id": source.pk}) for pk in model.objects.values_list("pk", flat=True)],
            ignore_conflicts=True,
        )
    assert Statement.objects.filter(sources=source).count() > 100
    assert _queries(client, f"/sources/{source.pk}/") == small


RECORD_URLS = [
    "/?sending_state=all",
    "/?sending_state=all&as_of=2025-03-01&country=RW",
    "/?sending_state=GB",
    "/api/v1/map/?sending_state=all",
    "/api/v1/map/?sending_state=all&as_of=2025-03-01",
    "/countries/RW/panel/?sending_state=all",
    "/countries/RW/panel/?sending_state=all&as_of=2024-01-01",
    "/countries/?sending_state=all",
    "/countries/GB/",
    "/countries/RW/",
    "/countries/US/",
]


def test_query_count_is_flat_from_the_record_to_2000_arrangements(client, record):
    """The demo data is the whole record (45 arrangements of 7 sending states); every sender at once, too."""
    small = _counts(client, RECORD_URLS)
    bulk_arrangements(2000)
    assert Arrangement.objects.count() >= 2000
    assert _counts(client, RECORD_URLS) == small


TRANSFER_URLS = [
    "/countries/US/",
    "/countries/SZ/",
    "/countries/SZ/panel/?as_of=2025-12-01",
    "/?sending_state=US",
    "/?sending_state=all&as_of=2025-12-01",
    "/status-changes/?nationality=VN",
    "/status-changes/?transfer=true",
    "/status-changes/export.csv?nationality=VN",
    "/api/v1/transfers/?nationality=VN&page_size=500",
    "/api/v1/transfers/?sending_state=US&as_of=2025-12-01",
    "/api/v1/status-changes/?nationality=VN",
    "/api/v1/arrangements/?sending_state=US&page_size=500",
    "/api/v1/arrangements/?as_of=2025-12-01",
    "/arrangements/export.csv",
    "/export/records.csv",
]


def test_who_is_sent_where_keeps_a_flat_query_count_from_the_record_to_2000_transfers(client, record):
    """The flow picture (a sending state's page, the map), the transfers list and API, and people transferred with
    its sources: the same queries on the record and with 2,000 synthetic transfers naming their nationalities."""
    small = _counts(client, TRANSFER_URLS)
    assert bulk_transfers(2000) == 2000
    assert StatusChange.objects.carrying("VN").count() > 3
    assert _counts(client, TRANSFER_URLS) == small


def test_public_pages_are_cached_until_the_next_write(client, seed, django_capture_on_commit_callbacks):
    first = client.get("/arrangements/?status=denied")
    with CaptureQueriesContext(connection) as ctx:
        again = client.get("/arrangements/?status=denied")
    assert len(ctx.captured_queries) == 0 and again.content == first.content
    with django_capture_on_commit_callbacks(execute=True):
        change("FR", "denied", dt.date(2025, 6, 1))
    assert "France" in client.get("/arrangements/?status=denied").content.decode()


def test_logged_in_users_are_never_served_from_the_cache(client, seed, admin_user):
    client.get("/arrangements/")
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as ctx:
        client.get("/arrangements/")
    assert len(ctx.captured_queries) > 0
