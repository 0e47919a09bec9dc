"""The service layer: the only write path, and what it refuses."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from agreements import services
from agreements.models import Arrangement, Source, Statement, StatusChange

from .factories import ActorFactory, SourceFactory, change, statement

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 3, 1)


def _field_of(exc: ValidationError) -> set[str]:
    return set(exc.message_dict)


def _nothing_written():
    return StatusChange.objects.count() == 0 and Statement.objects.count() == 0 and Arrangement.objects.count() == 0


def test_a_claim_with_no_source_is_refused():
    with pytest.raises(ValidationError) as exc:
        services.record_status_change(
            sending_state="US", receiving_country="AO", status="reported", date=DAY, sources=[]
        )
    assert _field_of(exc.value) == {"sources"}
    assert _nothing_written()


def test_a_date_in_the_future_is_refused():
    tomorrow = timezone.now().date() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        change("AO", "reported", tomorrow)
    assert _field_of(exc.value) == {"date"}
    assert "future" in str(exc.value)


def test_a_month_precision_date_in_the_current_month_is_accepted():
    today = timezone.now().date()
    c = services.record_status_change(
        sending_state="US",
        receiving_country="AO",
        status="reported",
        date=today.replace(day=1),
        precision="month",
        sources=[SourceFactory()],
    )
    assert c.date_iso == today.strftime("%Y-%m")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/a", "example.org/a", "http://", " "])
def test_a_non_http_url_is_refused(url):
    with pytest.raises(ValidationError) as exc:
        services.get_or_create_source(url=url, publisher="Publisher 1")
    assert _field_of(exc.value) == {"source_url"}
    assert Source.objects.count() == 0


def test_an_unknown_country_is_refused():
    with pytest.raises(ValidationError) as exc:
        change("Atlantis", "reported", DAY)
    assert _field_of(exc.value) == {"receiving_country"}
    assert "Atlantis" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        change("AO", "reported", DAY, sending="ZZ")
    assert _field_of(exc.value) == {"sending_state"}


@pytest.mark.parametrize(("actor", "stance", "field"), [(None, "denies", "actor"), (True, "", "stance")])
def test_a_statement_without_actor_or_stance_is_refused(actor, stance, field):
    with pytest.raises(ValidationError) as exc:
        statement(ActorFactory() if actor else None, ["AO"], stance, DAY, quote="Synthetic.")
    assert _field_of(exc.value) == {field}
    assert _nothing_written()


def test_an_unknown_status_is_refused():
    with pytest.raises(ValidationError) as exc:
        change("AO", "rumoured", DAY)
    assert _field_of(exc.value) == {"status"}


def test_negative_people_are_refused():
    with pytest.raises(ValidationError) as exc:
        change("AO", "implemented", DAY, people=-3)
    assert _field_of(exc.value) == {"people"}


def test_an_over_long_quote_is_refused():
    with pytest.raises(ValidationError) as exc:
        statement(ActorFactory(), ["AO"], "denies", DAY, quote="x" * 20_000)
    assert _field_of(exc.value) == {"quote"}


def test_sending_and_receiving_must_differ():
    with pytest.raises(ValidationError) as exc:
        change("US", "reported", DAY, sending="US")
    assert _field_of(exc.value) == {"receiving_country"}


def test_denial_with_status_records_both_in_one_step_from_the_same_source():
    source = SourceFactory()
    st = statement(ActorFactory(country_id="AO"), ["AO"], "denies", DAY, status="denied", source=source)
    status_change = st.status_changes.get()
    assert status_change.status == "denied"
    assert list(status_change.sources.all()) == [source] == list(st.sources.all())
    assert Arrangement.objects.get(receiving_country="AO").status == "denied"


def test_statement_and_status_change_are_one_transaction():
    """If the status change part fails, the statement is not kept either."""
    with pytest.raises(ValidationError):
        services.log_statement(
            actor=ActorFactory(),
            sending_state="US",
            receiving_countries=[],
            stance="denies",
            date=DAY,
            quote="Synthetic.",
            sources=[SourceFactory()],
            status="denied",
        )
    assert Statement.objects.count() == 0


def test_sources_are_found_by_normalised_url():
    first = services.get_or_create_source(url="https://Example.org/a/b/?utm_source=x#top", publisher="Publisher 1")
    again = services.get_or_create_source(url="http://example.org:80/a/b", publisher="Publisher 2")
    assert first.created and not again.created
    assert again.obj.pk == first.obj.pk
    assert again.differences and "Publisher 1" in again.differences[0]  # stored kept, difference reported
    assert Source.objects.count() == 1
    other = services.get_or_create_source(url="https://example.org/a/b?page=2", publisher="Publisher 1")
    assert other.created


def test_a_new_source_needs_a_publisher():
    with pytest.raises(ValidationError) as exc:
        services.get_or_create_source(url="https://example.org/x", publisher="")
    assert _field_of(exc.value) == {"source_publisher"}


def test_history_records_user_and_reason():
    user = get_user_model().objects.create_user("editor-1")
    services.record_status_change(
        sending_state="US",
        receiving_country="AO",
        status="reported",
        date=DAY,
        sources=[SourceFactory()],
        user=user,
        reason="Synthetic correction",
    )
    record = StatusChange.history.get()
    assert record.history_user == user
    assert record.history_change_reason == "Synthetic correction"


def test_verify_resets_the_staleness_deadline():
    c = change("AO", "reported", DAY)
    arrangement = c.arrangement
    arrangement.refresh_from_db()
    assert arrangement.stale_after == dt.datetime(2025, 3, 31, tzinfo=dt.UTC)
    user = get_user_model().objects.create_user("editor-2")
    before = timezone.now()
    services.verify_arrangement(arrangement=arrangement, user=user, note="Still accurate per synthetic check")
    arrangement.refresh_from_db()
    assert arrangement.stale_after >= before + dt.timedelta(days=30)
    assert arrangement.verifications.get().verified_by == user


def test_current_status_follows_the_latest_change_and_same_day_later_recorded_wins():
    change("AO", "reported", dt.date(2025, 5, 5))
    change("AO", "denied", dt.date(2025, 5, 5))
    arrangement = Arrangement.objects.get(receiving_country="AO")
    assert (arrangement.status, arrangement.status_since) == ("denied", "2025-05-05")
    change("AO", "negotiating", dt.date(2025, 4, 1))  # an earlier event goes into the history only
    arrangement.refresh_from_db()
    assert arrangement.status == "denied"
    assert arrangement.status_changes.count() == 3


def test_people_transferred_is_the_sum_over_changes():
    change("SV", "implemented", dt.date(2025, 3, 16), people=100)
    change("SV", "implemented", dt.date(2025, 4, 1), people=23)
    change("SV", "implemented", dt.date(2025, 4, 2))
    assert Arrangement.objects.get(receiving_country="SV").people_transferred == 123
