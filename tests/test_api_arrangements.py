"""GET /api/v1/arrangements/ — the stable contract, on the demo data."""

import pytest

from agreements import api

pytestmark = pytest.mark.django_db


def _by_country(client, query=""):
    response = client.get(f"/api/v1/arrangements/?sending_state=US&page_size=500{query}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    return {r["receiving_country"]: r for r in body["results"]}


def test_demo_data_current_statuses(client, seed):
    rows = _by_country(client)
    assert rows["AO"]["status"] == "denied"
    for code in ("GQ", "BJ", "SZ", "LY", "MD", "RW"):
        assert rows[code]["status"] == "reported", code
    assert (rows["SV"]["status"], rows["SV"]["people_transferred"]) == ("implemented", 238)
    assert rows["CR"]["status"] == "implemented"
    assert (rows["PA"]["status"], rows["PA"]["people_transferred"]) == ("implemented", 119)
    assert rows["GT"]["status"] == "agreed"
    assert len(rows) == 11


def test_demo_data_as_of_15_february_2025(client, seed):
    rows = _by_country(client, "&as_of=2025-02-15")
    assert rows["SV"]["status"] == "agreed"
    assert rows["PA"]["status"] == "implemented"
    assert rows["GT"]["status"] == "agreed"
    assert "CR" not in rows


def test_result_fields(client, seed):
    row = _by_country(client)["AO"]
    required = set(api.ArrangementSerializer.Meta.fields)
    assert {"id", "sending_state", "receiving_country", "status", "status_since", "stale", "disputed"} <= required
    assert {"people_transferred", "sources_count", "url"} <= required
    assert required <= set(row)
    assert (row["sending_state"], row["status_since"], row["disputed"], row["people_transferred"]) == (
        "US",
        "2025-05-05",
        False,
        None,
    )
    assert row["sources_count"] == 1  # AllAfrica backs the denial
    assert row["url"].endswith(f"/countries/AO/#arrangement-{row['id']}")


def test_status_since_is_written_at_its_precision(client, db):
    import datetime as dt

    from .factories import change

    change("AO", "reported", dt.date(2025, 5, 1), precision="month")
    change("BJ", "reported", dt.date(2025, 1, 1), precision="year")
    rows = _by_country(client)
    assert rows["AO"]["status_since"] == "2025-05"
    assert rows["BJ"]["status_since"] == "2025"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("&status=implemented", {"SV", "CR", "PA"}),
        ("&status=implemented&status=agreed", {"SV", "CR", "PA", "GT"}),
        ("&receiving_country=AGO", {"AO"}),
        ("&receiving_country=ao", {"AO"}),
        ("&region=Americas", {"SV", "CR", "PA", "GT"}),
        ("&q=Bukele", {"SV"}),
        ("&disputed=true", set()),
        ("&stale=false", set()),  # the 2025 demo data is all older than its windows
    ],
)
def test_filters(client, seed, query, expected):
    assert set(_by_country(client, query)) == expected


def test_bad_filter_values_name_the_field(client, seed):
    response = client.get("/api/v1/arrangements/?sending_state=Atlantis")
    assert response.status_code == 400
    assert "sending_state" in response.json()
    response = client.get("/api/v1/arrangements/?as_of=15/02/2025x")
    assert response.status_code == 400 and "as_of" in response.json()
    response = client.get("/api/v1/arrangements/?status=rumoured")
    assert response.status_code == 400 and "status" in response.json()


def test_page_size_is_capped_at_500(client, seed):
    body = client.get("/api/v1/arrangements/?page_size=100000").json()
    assert body["count"] == 11


def test_other_sending_states_are_separate(client, seed):
    assert client.get("/api/v1/arrangements/?sending_state=GB").json()["count"] == 0


def test_anonymous_writes_are_refused(client, seed):
    assert client.post("/api/v1/arrangements/", {}).status_code in (401, 403)


def test_list_is_one_count_and_one_page_query(client, seed, django_assert_num_queries):
    with django_assert_num_queries(2):
        client.get("/api/v1/arrangements/?sending_state=US&page_size=500")
