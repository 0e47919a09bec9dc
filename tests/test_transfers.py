"""People transferred that tells the truth: the larger of the sum of the transfers with a number and the latest
reported total, as of any date, with its basis and sources — on the pages, in the API and in the exports."""

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError

from agreements import services
from agreements.models import Arrangement, PeopleBasis, ReportedTotal, StatusChange, TransferNationality

from .factories import SourceFactory, change

pytestmark = pytest.mark.django_db

TOTAL_URL = "https://example.org/synthetic/total-19"


@pytest.fixture
def transfers(db):
    """A synthetic arrangement (US → Angola): transfers of 5 and 4 people, then a later reported total of 19."""
    change("AO", "implemented", dt.date(2025, 1, 10), people=5)
    change("AO", "implemented", dt.date(2025, 2, 10), people=4)
    total_source = SourceFactory(url=TOTAL_URL, publisher="Publisher T (synthetic)")
    return services.record_status_change(
        sending_state="US",
        receiving_country="AO",
        status="implemented",
        date=dt.date(2025, 3, 10),
        sources=[total_source],
        note="Synthetic: a running total.",
        people_total=19,
    )


def _people_line(html: str) -> str:
    return html[html.index('<dd class="people">') : html.index("</dd>", html.index('<dd class="people">'))]


def test_a_later_reported_total_above_the_sum_is_shown_as_at_least_with_its_source(client, transfers):
    angola = Arrangement.objects.get(sending_state="US", receiving_country="AO")
    assert (angola.people_transferred, angola.people_basis) == (19, PeopleBasis.REPORTED_TOTAL)
    assert (angola.people_counted, angola.people_reported) == (9, 19)
    for url in ("/countries/AO/", "/countries/AO/panel/"):
        people = _people_line(client.get(url).content.decode())
        assert '<strong class="people-figure">at least 19</strong>, the latest reported total' in people, url
        assert f'<a href="{TOTAL_URL}"' in people  # the source of the figure, one click away
        assert "Latest reported total: <strong>19</strong>" in people  # both ways of counting
        assert "Sum of the transfers reported with a number: <strong>9</strong> in 2 transfers" in people


def test_as_of_a_date_before_the_total_it_shows_the_sum(client, transfers):
    people = _people_line(client.get("/countries/AO/panel/?as_of=2025-03-01").content.decode())
    assert (
        '<strong class="people-figure">at least 9</strong>, the sum of the transfers reported with a number' in people
    )
    assert "Latest reported total: none on record" in people and TOTAL_URL not in people
    assert "at least 5" in _people_line(client.get("/countries/AO/panel/?as_of=2025-01-31").content.decode())


def test_the_api_gives_the_same_with_its_basis(client, transfers):
    now = client.get("/api/v1/arrangements/?receiving_country=AO").json()["results"][0]
    assert (now["people_transferred"], now["people_transferred_basis"]) == (19, "reported_total")
    assert (now["people_counted"], now["people_reported_total"], now["people_reported_date"]) == (9, 19, "2025-03-10")
    assert [s["url"] for s in now["people_transferred_sources"]] == [TOTAL_URL]
    before = client.get("/api/v1/arrangements/?receiving_country=AO&as_of=2025-03-01").json()["results"][0]
    assert (before["people_transferred"], before["people_transferred_basis"]) == (9, "sum_of_transfers")
    assert (before["people_reported_total"], before["people_reported_date"]) == (None, None)
    assert len(before["people_transferred_sources"]) == 2  # the sources of the two transfers summed
    entries = {e["iso2"]: e for e in client.get("/api/v1/map/").json()["results"]}
    assert entries["AO"]["people_transferred"] == 19  # the contract field carries the same figure


def test_the_stored_state_and_as_of_today_are_one_rule(transfers):
    fields = ("at_people", "at_people_basis", "at_people_counted", "at_people_reported", "at_people_total")
    stored = Arrangement.objects.filter(receiving_country="AO").current().values(*fields).get()
    today = Arrangement.objects.filter(receiving_country="AO").as_of(dt.date.today()).values(*fields).get()
    assert stored == today and stored["at_people_total"] == ReportedTotal.objects.get().pk


def test_a_tie_is_the_reported_total_and_a_higher_sum_wins(transfers):
    change("AO", "implemented", dt.date(2025, 4, 1), people=10)  # 19 counted against 19 reported
    angola = Arrangement.objects.get(receiving_country="AO")
    assert (angola.people_transferred, angola.people_basis) == (19, PeopleBasis.REPORTED_TOTAL)
    change("AO", "implemented", dt.date(2025, 4, 2), people=1)
    angola.refresh_from_db()
    assert (angola.people_transferred, angola.people_basis) == (20, PeopleBasis.SUM_OF_TRANSFERS)


def test_a_retracted_report_no_longer_counts(transfers, editor):
    services.retract_record(obj=transfers, user=editor, reason="Synthetic: misread the total.")
    angola = Arrangement.objects.get(receiving_country="AO")
    assert (angola.people_transferred, angola.people_basis, angola.people_reported) == (9, "sum_of_transfers", None)
    assert ReportedTotal.objects.count() == 1  # kept, with the retracted record, in the history


def test_a_statement_about_one_country_reports_a_total_and_the_headline_counts_it(client, transfers):
    from .factories import ActorFactory

    services.log_statement(
        actor=ActorFactory(),
        sending_state="US",
        receiving_countries=["AO"],
        stance="confirms",
        date=dt.date(2025, 5, 1),
        quote="Synthetic quote: 25 so far.",
        sources=[SourceFactory()],
        people_total=25,
    )
    assert Arrangement.objects.get(receiving_country="AO").people_transferred == 25
    headline = client.get("/?sending_state=US").content.decode()
    assert "<strong>At least 25</strong> people transferred under 1 arrangement" in headline
    assert "(1 by a reported total)" in headline
    with pytest.raises(ValidationError) as exc:  # a total is about one arrangement
        services.log_statement(
            actor=ActorFactory(),
            sending_state="US",
            receiving_countries=["AO", "BJ"],
            stance="confirms",
            date=dt.date(2025, 5, 2),
            quote="Synthetic quote.",
            sources=[SourceFactory()],
            people_total=30,
        )
    assert "people_total" in exc.value.message_dict


def test_nationalities_are_checked_by_the_service(db):
    with pytest.raises(ValidationError) as exc:
        change("AO", "implemented", dt.date(2025, 1, 10), people=5, nationalities=[("VN", 6)])
    assert exc.value.message_dict["nationalities"] == [
        "The count for Vietnam (6) is more than the 5 people transferred."
    ]
    for given, message in (
        ([("Atlantis", None)], "Unknown country 'Atlantis'."),
        ([("VN", 1), ("vietnam", 2)], "Vietnam is given twice."),
        ([("VN", -1)], "The count for Vietnam must be a whole number from 0 to 2,147,483,647."),
    ):
        with pytest.raises(ValidationError) as exc:
            change("AO", "implemented", dt.date(2025, 1, 10), people=5, nationalities=given)
        assert exc.value.message_dict["nationalities"] == [message]
    assert not StatusChange.objects.exists() and not TransferNationality.objects.exists()
    recorded = change("AO", "implemented", dt.date(2025, 1, 10), people=5, nationalities=[("VNM", 3), ("Cuba", None)])
    assert [(n.country_id, n.count) for n in recorded.nationalities.all()] == [("VN", 3), ("CU", None)]
    assert TransferNationality.history.count() == 2  # with history, like every other record


def test_a_correction_of_people_below_a_nationality_count_is_refused(db, editor):
    recorded = change("AO", "implemented", dt.date(2025, 1, 10), people=5, nationalities=[("VN", 4)])
    with pytest.raises(ValidationError) as exc:
        services.correct_record(obj=recorded, changes={"people": 3}, user=editor, reason="Synthetic.")
    assert "people" in exc.value.message_dict
    assert StatusChange.objects.get().people == 5


def test_the_arrangements_export_carries_the_figure_and_its_basis(client, transfers):
    body = b"".join(client.get("/arrangements/export.csv?receiving_country=AO").streaming_content).decode()
    row = next(csv.DictReader(io.StringIO(body)))
    assert (row["people_transferred"], row["people_transferred_basis"]) == ("19", "reported_total")
    assert (row["people_counted"], row["people_reported"]) == ("9", "19")
    table = client.get("/arrangements/?receiving_country=AO").content.decode()
    assert 'at least 19 <span class="basis">(reported total)</span>' in table
