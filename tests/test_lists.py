"""Research lists: each filter narrows, facet counts, sorting, exports of the whole filtered set."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import Actor, Source, Statement

from .factories import bulk_actors, bulk_arrangements, bulk_statements

pytestmark = pytest.mark.django_db


def _api(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.content[:500]
    return response.json()


def _countries(client, query):
    return sorted(
        r["receiving_country"] for r in _api(client, f"/api/v1/arrangements/?page_size=500&{query}")["results"]
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sending_state=US", ["AO", "BJ", "CR", "GQ", "GT", "LY", "MD", "PA", "RW", "SV", "SZ"]),
        ("receiving_country=SLV", ["SV"]),
        ("region=africa", ["AO", "BJ", "GQ", "LY", "RW", "SZ"]),
        ("subregion=Central America", ["CR", "GT", "PA", "SV"]),
        ("status=denied&status=agreed", ["AO", "GT"]),
        ("stale=true&status=implemented", ["CR", "PA", "SV"]),
        ("disputed=false&status=denied", ["AO"]),
        ("as_of=2025-02-18", ["CR", "GT", "PA", "SV"]),
        ("status_since_after=2025-03-01&status_since_before=2025-03-31", ["SV"]),
        ("q=CECOT", ["SV"]),
    ],
)
def test_arrangement_filters(client, seed, query, expected):
    assert _countries(client, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("stance=denies", {"seed-ao-embassy-denial"}),
        ("stance=unaware&stance=referred", {"seed-gq-unaware", "seed-dhs-referred"}),
        ("actor=marco-rubio", {"seed-rubio-cabinet"}),
        ("actor_kind=expert", {"seed-selee-commentary"}),
        ("receiving_country=GQ", {"seed-gq-unaware", "seed-dhs-referred", "seed-state-no-response"}),
        ("has_quote=true", {"seed-ao-embassy-denial", "seed-rubio-cabinet"}),
        ("date_before=2025-05-01", {"seed-rubio-cabinet"}),
        ("q=deterrence", {"seed-selee-commentary"}),
        ("sending_state=GB", set()),
    ],
)
def test_statement_filters(client, seed, query, expected):
    ids = {r["id"] for r in _api(client, f"/api/v1/statements/?{query}")["results"]}
    assert set(Statement.objects.filter(pk__in=ids).values_list("import_ref", flat=True)) == expected


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("status=implemented", 3),
        ("receiving_country=CR", 2),
        ("date_after=2025-05-01", 8),
        ("q=Bukele", 1),
        ("sending_state=US&status=agreed&date_before=2025-02-10", 2),
    ],
)
def test_status_change_filters(client, seed, query, count):
    assert _api(client, f"/api/v1/status-changes/?{query}")["count"] == count


def test_source_and_actor_filters(client, seed):
    assert _api(client, "/api/v1/sources/?publisher=efe")["count"] == 1
    assert _api(client, "/api/v1/sources/?kind=news_report")["count"] == Source.objects.count()
    assert _api(client, "/api/v1/sources/?link=unchecked")["count"] == Source.objects.count()
    Source.objects.filter(publisher="EFE").update(last_http_status=404)
    assert _api(client, "/api/v1/sources/?link=dead")["results"][0]["publisher"] == "EFE"
    assert _api(client, "/api/v1/sources/?published_after=2025-05-06")["count"] == 2
    assert _api(client, "/api/v1/actors/?kind=embassy")["count"] == 2
    assert _api(client, "/api/v1/actors/?country=AO")["results"][0]["name"] == "Embassy of Angola in Washington"
    assert _api(client, "/api/v1/actors/?q=secretary")["results"][0]["slug"] == "marco-rubio"
    assert _api(client, "/api/v1/countries/?region=europe&q=mold")["results"][0]["iso2"] == "MD"


def test_facet_counts_follow_the_other_filters(client, seed):
    from django.http import QueryDict

    from agreements.lists import ARRANGEMENTS, STATEMENTS

    counts = ARRANGEMENTS.facet_counts(QueryDict("status=denied"))
    # The status facet ignores its own filter: it shows what each status would give.
    assert counts["status"] == {"reported": 6, "denied": 1, "implemented": 3, "agreed": 1}
    assert counts["region"] == {"Africa": 1}  # under status=denied, only Angola
    counts = ARRANGEMENTS.facet_counts(QueryDict("region=Americas"))
    assert counts["status"] == {"implemented": 3, "agreed": 1}
    counts = STATEMENTS.facet_counts(QueryDict("actor_kind=agency"))
    assert counts["stance"] == {"referred": 1, "no_response": 1}
    assert counts["actor_kind"] == {"embassy": 2, "agency": 2, "expert": 1, "government_official": 1}


def test_list_page_shows_facet_counts_and_keeps_state_in_links(client, seed):
    page = client.get("/arrangements/?status=denied&sort=-status_since").content.decode()
    assert 'value="reported"' in page and '<span class="count">6</span>' in page
    assert "1 result" in page
    assert "/arrangements/export.csv?status=denied&amp;sort=-status_since" in page
    assert "/feeds/arrangements/?status=denied" in page


def test_invalid_filter_shows_the_error_next_to_the_field(client, seed):
    response = client.get("/statements/?date_after=soon")
    assert response.status_code == 400
    assert "Enter a valid date" in response.content.decode()


def test_htmx_request_gets_the_partial(client, seed):
    response = client.get("/statements/?stance=denies", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="list-body"') and "<html" not in body


def test_sorting(client, seed):
    rows = _api(client, "/api/v1/statements/?sort=actor")["results"]
    names = [r["actor"]["name"] for r in rows]
    assert names == sorted(names)
    rows = _api(client, "/api/v1/status-changes/?sort=-people")["results"]
    assert [r["people"] for r in rows[:2]] == [238, 119]


def test_export_of_a_1200_row_filtered_set_has_1200_rows(client, db):
    bulk_statements(1600)  # eight stances, 200 each
    query = (
        "&".join(
            f"stance={s}" for s in ["confirms", "denies", "unaware", "declined_to_comment", "no_response", "referred"]
        )
        + "&q=synthetic+quote"
    )
    expected = 1200
    response = client.get(f"/statements/export.csv?{query}")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == expected
    assert {r["stance"] for r in rows} == {
        "confirms",
        "denies",
        "unaware",
        "declined_to_comment",
        "no_response",
        "referred",
    }
    json_rows = json.loads(b"".join(client.get(f"/statements/export.json?{query}").streaming_content))
    assert len(json_rows) == expected
    assert client.get(f"/statements/?{query}").context["page"].paginator.count == expected


def test_csv_headers_and_quoting(client, seed):
    data = b"".join(client.get("/statements/export.csv?stance=denies").streaming_content).decode()
    lines = data.splitlines()
    assert lines[0] == (
        "id,date,actor,actor_role,actor_kind,actor_country,stance,sending_state,receiving_countries,"
        "quote,paraphrase,publishers,source_urls"
    )
    row = next(csv.DictReader(io.StringIO(data)))
    assert row["quote"] == "Angola is not accepting deported individuals of other nationalities"
    assert row["paraphrase"].startswith("A spokesperson for Angola's embassy")
    rows = list(csv.reader(io.StringIO(b"".join(client.get("/status-changes/export.csv").streaming_content).decode())))
    assert all(len(r) == len(rows[0]) for r in rows)  # commas in notes are quoted


def test_geojson_is_a_feature_collection_with_geometries(client, seed):
    data = json.loads(b"".join(client.get("/arrangements/export.geojson?sending_state=US").streaming_content))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 11
    by_country = {f["properties"]["receiving_country"]: f for f in data["features"]}
    angola = by_country["AO"]
    assert angola["geometry"]["type"] == "MultiPolygon"
    ring = angola["geometry"]["coordinates"][0][0]
    assert len(ring) > 10 and ring[0] == ring[-1]
    assert all(11 < lon < 25 and -19 < lat < -4 for lon, lat in ring)  # inside Angola's bounding box
    assert angola["properties"]["status"] == "denied"


def _count(client, url) -> int:
    from django.core.cache import cache

    cache.clear()  # measure the database work, not the page cache
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(ctx.captured_queries)


LIST_URLS = [
    "/arrangements/",
    "/arrangements/?status=reported&stale=true",
    "/statements/",
    "/statements/?stance=denies",
    "/status-changes/",
    "/sources/",
    "/actors/",
    "/api/v1/arrangements/",
    "/api/v1/statements/",
    "/api/v1/status-changes/",
    "/api/v1/sources/",
    "/api/v1/actors/",
    "/arrangements/export.csv",
    "/arrangements/export.json",
    "/arrangements/export.geojson",
    "/statements/export.csv",
    "/statements/export.json",
    "/status-changes/export.csv",
    "/sources/export.csv",
    "/actors/export.json",
    "/feeds/statements/",
    "/feeds/arrangements/",
    "/feeds/changes/",
    "/export/records.csv",
]


def test_query_counts_are_the_same_at_10_and_2000_rows(client, db):
    bulk_arrangements(10)
    bulk_actors(10)
    small = {url: _count(client, url) for url in LIST_URLS}
    bulk_arrangements(1990)
    bulk_actors(1990)
    assert Statement.objects.count() == 2000 and Actor.objects.count() >= 2000
    large = {url: _count(client, url) for url in LIST_URLS}
    assert large == small
