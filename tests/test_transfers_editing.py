"""Editors log who was sent and the totals reported: the status-change and statement forms (countries typed with
type-ahead, counts optional), the API writes, and the records check of transfers."""

import datetime as dt
import re

import pytest

from agreements.models import Arrangement, ReportedTotal, StatusChange, TransferNationality
from agreements.quality import records_check

from .factories import change, database_snapshot

pytestmark = pytest.mark.django_db

# A transfer of 5 people to Angola: 3 Vietnamese and Cuban citizens (no number), on the word of a synthetic source.
FORM = {"sending_state": "US", "receiving_country": "AO", "status": "implemented", "date": "2025-06-02", "people": "5"}
FORM |= {"nationalities_0": "Vietnam", "nationalities_1": "3", "nationalities_2": "cu", "nationalities_3": ""}
FORM |= {"people_total": "12", "source_url": "https://example.org/synthetic/transfer-form"}
FORM |= {"source_publisher": "Publisher 1 (synthetic)"}


def test_the_status_change_form_offers_nationalities_with_type_ahead(editor_client):
    page = editor_client.get("/editor/status-change/").content.decode()
    assert '<div class="nationality-rows">' in page
    assert re.search(r'<input type="text" name="nationalities_0"[^>]*list="country-names"', page)
    assert 'aria-label="People of nationality 1 (optional)"' in page
    assert '<datalist id="country-names">' in page and '<option value="Vietnam">' in page
    assert 'name="people_total"' in page


def test_an_editor_logs_a_transfer_with_two_nationalities_and_a_total(editor_client, editor):
    response = editor_client.post("/editor/status-change/", FORM)
    assert response.status_code == 302, response.content.decode()
    recorded = StatusChange.objects.get()
    assert [(n.country_id, n.count) for n in recorded.nationalities.all()] == [("VN", 3), ("CU", None)]
    assert TransferNationality.history.filter(history_user=editor).count() == 2
    assert ReportedTotal.objects.get().people == 12
    angola = Arrangement.objects.get(receiving_country="AO")
    assert (angola.people_transferred, angola.people_basis) == (12, "reported_total")
    page = editor_client.get("/countries/AO/").content.decode()
    assert 'href="/status-changes/?nationality=VN" class="nationality">Vietnam</a> (3)' in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"nationalities_1": "6"}, "The count for Vietnam (6) is more than the 5 people transferred."),
        ({"nationalities_0": "Atlantis"}, "Unknown country &#x27;Atlantis&#x27;"),
        ({"nationalities_0": "", "nationalities_1": "3", "nationalities_2": ""}, "A count (3) needs its nationality."),
        ({"people_total": "-1"}, "Ensure this value is greater than or equal to 0."),
    ],
)
def test_bad_nationalities_show_the_error_next_to_the_field_and_write_nothing(editor_client, changes, message):
    before = database_snapshot()
    response = editor_client.post("/editor/status-change/", FORM | changes)
    assert response.status_code == 400
    html = response.content.decode()
    field = "people_total" if "people_total" in changes else "nationalities"
    error = html[html.index(f'id="field-{field}"') :]
    assert message in error[: error.index("</div>", error.index("field-error"))]
    assert database_snapshot() == before and not TransferNationality.objects.exists()


def test_the_statement_form_logs_a_transfer_and_a_total(editor_client, seed):
    form = {
        "receiving_countries": ["SZ"],
        "sending_state": "US",
        "actor": "Government of Country 17 (synthetic)",
        "actor_kind": "agency",
        "stance": "confirms",
        "date": "2025-06-03",
        "paraphrase": "Synthetic: confirms a transfer; 20 so far.",
        "status": "implemented",
        "nationalities_0": "Yemen",
        "people_total": "20",
        "source_url": "https://example.org/synthetic/statement-transfer",
        "source_publisher": "Publisher 2 (synthetic)",
    }
    assert editor_client.post("/editor/statement/", form).status_code == 302
    recorded = StatusChange.objects.get(statement__isnull=False, arrangement__receiving_country="SZ")
    assert [n.country_id for n in recorded.nationalities.all()] == ["YE"]
    assert Arrangement.objects.get(sending_state="US", receiving_country="SZ").people_transferred == 20
    response = editor_client.post("/editor/statement/", form | {"status": "", "date": "2025-06-04"})
    assert response.status_code == 400
    assert "Nationalities belong to a transfer" in response.content.decode()


def test_the_api_write_takes_nationalities_and_a_total(editor_client):
    payload = {
        "sending_state": "US",
        "receiving_country": "AO",
        "status": "implemented",
        "date": "2025-06-02",
        "people": 5,
        "nationalities": [{"country": "VN", "count": 3}, {"country": "CUB"}],
        "people_total": 12,
        "source": {"url": "https://example.org/synthetic/api-transfer", "publisher": "Publisher 3 (synthetic)"},
    }
    response = editor_client.post("/api/v1/status-changes/", payload, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["nationalities"] == [
        {"nationality": "VN", "name": "Vietnam", "count": 3},
        {"nationality": "CU", "name": "Cuba", "count": None},
    ]
    assert Arrangement.objects.get(receiving_country="AO").people_transferred == 12
    before = database_snapshot()
    for bad, field in (
        ({"nationalities": [{"country": "VN", "count": 6}]}, "nationalities"),
        ({"nationalities": [{"country": "Atlantis"}]}, "nationalities"),
        ({"people_total": -1}, "people_total"),
        ({"people_total": 2_147_483_648}, "people_total"),
    ):
        response = editor_client.post("/api/v1/status-changes/", payload | bad, content_type="application/json")
        assert response.status_code == 400 and field in response.json(), bad
    assert database_snapshot() == before


def _findings(key: str) -> list[str]:
    return [f.text for check in records_check() if check.key == key for f in check.findings]


def test_the_records_check_lists_transfers_without_nationalities(record):
    unnamed = _findings("no-nationalities")
    expected = StatusChange.objects.filter(people__gt=0).exclude(nationalities__isnull=False).count()
    assert len(unnamed) == expected > 0
    assert "United States → Panama, 12 February 2025: 119 people" in unnamed
    assert not any("Eswatini" in text for text in unnamed)  # every Eswatini transfer names its nationalities


def test_the_records_check_lists_a_total_lower_than_an_earlier_one(db):
    change("AO", "implemented", dt.date(2025, 1, 10), people=5, people_total=19)
    assert _findings("lower-total") == []
    change("AO", "implemented", dt.date(2025, 2, 10), people=4, people_total=12)
    [finding] = _findings("lower-total")
    assert finding.startswith("United States → Angola: 12 reported by Publisher ")
    assert "(2025-02-10), lower than 19 reported by" in finding
    assert Arrangement.objects.get(receiving_country="AO").people_transferred == 12  # the latest total, over 9


def test_an_editor_corrects_a_transfers_nationalities(editor_client, editor):
    recorded = change("AO", "implemented", dt.date(2025, 1, 10), people=5, nationalities=[("VN", 3)])
    url = f"/editor/status-change/{recorded.pk}/correct/"
    page = editor_client.get(url).content.decode()
    assert re.search(r'name="nationalities_0" value="Vietnam"', page) and 'name="nationalities_1" value="3"' in page
    form = {
        "status": "implemented",
        "date": "2025-01-10",
        "date_precision": "day",
        "note": "",
        "people": "5",
        "nationalities_0": "Vietnam",
        "nationalities_1": "6",
        "reason": "Synthetic: the source names two nationalities.",
        "version": re.search(r'name="version" value="(\d+)"', page).group(1),  # type: ignore[union-attr]
    }
    response = editor_client.post(url, form)
    assert response.status_code == 400 and "more than the 5 people" in response.content.decode()
    response = editor_client.post(
        url, form | {"nationalities_1": "2", "nationalities_2": "Cuba", "nationalities_3": "3"}
    )
    assert response.status_code == 302
    assert [(n.country_id, n.count) for n in recorded.nationalities.all()] == [("VN", 2), ("CU", 3)]
    assert TransferNationality.history.filter(history_type="-").count() == 1  # the old one, in the history
    latest = StatusChange.history.filter(id=recorded.pk).latest("history_date")
    assert (latest.history_user, latest.history_change_reason) == (editor, form["reason"])
