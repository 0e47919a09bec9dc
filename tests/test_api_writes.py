"""API writes: editors only, through the services; anonymous and non-editors write nothing."""

import pytest
from django.contrib.auth.models import Group

from agreements.models import Arrangement, Source, Statement, StatusChange

pytestmark = pytest.mark.django_db

STATEMENT = {
    "actor": "Ministry of Foreign Affairs of Country 17 (synthetic)",
    "actor_kind": "agency",
    "sending_state": "US",
    "receiving_countries": ["BJ"],
    "stance": "denies",
    "date": "2025-06",
    "paraphrase": "Synthetic denial.",
    "status": "denied",
    "source": {"url": "https://example.org/denial", "publisher": "Publisher 1", "kind": "news_report"},
    "reason": "Synthetic test",
}
CHANGE = {
    "sending_state": "US",
    "receiving_country": "BJ",
    "status": "negotiating",
    "date": "2025-06-02",
    "source": {"url": "https://example.org/talks", "publisher": "Publisher 2"},
}
WRITE_URLS = [("/api/v1/statements/", STATEMENT), ("/api/v1/status-changes/", CHANGE)]


def _counts():
    return Statement.objects.count(), StatusChange.objects.count(), Source.objects.count(), Arrangement.objects.count()


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("editor-api")
    user.groups.add(Group.objects.get_or_create(name="editors")[0])
    return user


@pytest.mark.parametrize(("url", "payload"), WRITE_URLS)
def test_anonymous_writes_are_refused_and_write_nothing(client, seed, url, payload):
    before = _counts()
    assert client.post(url, payload, content_type="application/json").status_code in (401, 403)
    assert _counts() == before


@pytest.mark.parametrize(("url", "payload"), WRITE_URLS)
def test_non_editors_get_403(client, seed, django_user_model, url, payload):
    client.force_login(django_user_model.objects.create_user("reader"))
    before = _counts()
    assert client.post(url, payload, content_type="application/json").status_code == 403
    assert _counts() == before


def test_editor_logs_a_statement_with_its_status_change(client, seed, editor):
    client.force_login(editor)
    response = client.post("/api/v1/statements/", STATEMENT, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["receiving_countries"] == ["BJ"] and response.json()["date"] == "2025-06"
    benin = Arrangement.objects.get(sending_state="US", receiving_country="BJ")
    assert benin.status == "denied"
    assert StatusChange.history.filter(history_user=editor).exists()


def test_editor_records_a_status_change(client, seed, editor):
    client.force_login(editor)
    response = client.post("/api/v1/status-changes/", CHANGE, content_type="application/json")
    assert response.status_code == 201, response.content
    assert Arrangement.objects.get(receiving_country="BJ").status == "negotiating"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"source": {"url": "javascript:alert(1)", "publisher": "P"}}, "source_url"),
        ({"date": "2999-01-01"}, "date"),
        ({"date": "last week"}, "date"),
        ({"receiving_country": "Atlantis"}, "receiving_country"),
        ({"status": "rumoured"}, "status"),
        ({"people": -1}, "people"),
    ],
)
def test_bad_writes_name_the_field_and_write_nothing(client, seed, editor, change, field):
    client.force_login(editor)
    before = _counts()
    response = client.post("/api/v1/status-changes/", CHANGE | change, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json() or field in str(response.json())
    assert _counts() == before


@pytest.mark.parametrize("prefix", ["", "/es"])
def test_cors_allows_reading_from_other_origins(client, seed, prefix):
    for path in ("/api/v1/arrangements/", "/export/records.csv"):
        for attempt in ("made", "from the cache"):
            response = client.get(prefix + path, HTTP_ORIGIN="https://example.org")
            assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*", (path, attempt)
            assert "Access-Control-Allow-Origin" not in client.get(prefix + path), (path, attempt)  # no Origin
    assert "Access-Control-Allow-Origin" not in client.get(f"{prefix}/statements/", HTTP_ORIGIN="https://example.org")
