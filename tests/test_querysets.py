"""Reads: status now and as of a date, people, disputed, publishers, staleness — each in one query."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements import services, staleness
from agreements.models import Arrangement

from .factories import ActorFactory, SourceFactory, change, statement

pytestmark = pytest.mark.django_db


def _states(qs):
    return {a.receiving_country_id: a for a in qs}


def test_status_as_of_a_date_for_all_arrangements_in_one_query():
    change("AO", "reported", dt.date(2025, 1, 10))
    change("AO", "agreed", dt.date(2025, 2, 10))
    change("BJ", "reported", dt.date(2025, 3, 1))
    for n in range(30):
        change(["GT", "PA", "SV", "CR", "RW"][n % 5], "reported", dt.date(2025, 1, 1) + dt.timedelta(days=n))
    with CaptureQueriesContext(connection) as ctx:
        states = _states(Arrangement.objects.as_of(dt.date(2025, 2, 9)))
    assert len(ctx.captured_queries) == 1
    assert states["AO"].at_status == "reported"
    assert "BJ" not in states  # no change by then: absent
    states = _states(Arrangement.objects.as_of(dt.date(2025, 2, 10)))  # the end of that day includes it
    assert states["AO"].at_status == "agreed"


def test_as_of_today_matches_the_stored_current_state():
    change("AO", "reported", dt.date(2025, 1, 10))
    change("SV", "implemented", dt.date(2025, 3, 16), people=238)
    statement(ActorFactory(country_id="AO"), ["AO"], "denies", dt.date(2025, 5, 5), status="denied")
    today = dt.date.today()
    current = _states(Arrangement.objects.current())
    as_of = _states(Arrangement.objects.as_of(today))
    fields = (
        "at_status",
        "at_status_date",
        "at_status_precision",
        "at_people",
        "at_disputed",
        "at_sources_count",
        "at_stale",
    )
    for code in current:
        assert [getattr(current[code], f) for f in fields] == [getattr(as_of[code], f) for f in fields]


def test_people_as_of_counts_only_transfers_by_then():
    change("SV", "implemented", dt.date(2025, 3, 16), people=238)
    change("SV", "implemented", dt.date(2025, 6, 1), people=12)
    assert _states(Arrangement.objects.as_of(dt.date(2025, 4, 1)))["SV"].at_people == 238
    assert _states(Arrangement.objects.current())["SV"].at_people == 250


def test_disputed_when_the_two_governments_contradict_each_other():
    sending_official = ActorFactory(country_id="US", kind="government_official")
    receiving_embassy = ActorFactory(country_id="AO", kind="embassy")
    expert = ActorFactory(country_id="US", kind="expert")
    change("AO", "reported", dt.date(2025, 1, 1))
    statement(sending_official, ["AO"], "confirms", dt.date(2025, 2, 1))
    assert not _states(Arrangement.objects.current())["AO"].at_disputed  # one side only
    statement(expert, ["AO"], "denies", dt.date(2025, 2, 2))
    assert not _states(Arrangement.objects.current())["AO"].at_disputed  # an expert is not a government
    statement(receiving_embassy, ["AO"], "denies", dt.date(2025, 2, 3))
    assert _states(Arrangement.objects.current().disputed())["AO"].at_disputed
    assert not _states(Arrangement.objects.as_of(dt.date(2025, 2, 2)))["AO"].at_disputed
    statement(receiving_embassy, ["AO"], "confirms", dt.date(2025, 3, 1))  # the latest positions now agree
    assert not _states(Arrangement.objects.current())["AO"].at_disputed


def test_general_policy_statements_do_not_make_an_arrangement_disputed():
    change("AO", "reported", dt.date(2025, 1, 1))
    statement(ActorFactory(country_id="US"), [], "confirms", dt.date(2025, 2, 1))
    statement(ActorFactory(country_id="AO", kind="embassy"), ["AO"], "denies", dt.date(2025, 2, 2))
    assert not _states(Arrangement.objects.current())["AO"].at_disputed


def test_sources_count_is_independent_publishers_backing_the_status():
    a = SourceFactory(publisher="Publisher A")
    a2 = SourceFactory(publisher="publisher a")  # same publisher, another article
    b = SourceFactory(publisher="Publisher B")
    change("AO", "reported", dt.date(2025, 1, 1), source=a)
    change("AO", "reported", dt.date(2025, 1, 2), source=a2)
    assert _states(Arrangement.objects.current())["AO"].at_sources_count == 1
    change("AO", "reported", dt.date(2025, 1, 3), source=b)
    assert _states(Arrangement.objects.current())["AO"].at_sources_count == 2
    change("AO", "agreed", dt.date(2025, 2, 1), source=SourceFactory(publisher="Publisher C"))
    assert _states(Arrangement.objects.current())["AO"].at_sources_count == 1  # only what backs "agreed"


def test_stale_is_computed_live_from_the_stored_deadline():
    change("AO", "reported", dt.date(2025, 1, 1))  # reported: 30 days
    deadline = dt.datetime(2025, 1, 31, tzinfo=dt.UTC)
    assert Arrangement.objects.get().stale_after == deadline
    with time_machine.travel(deadline - dt.timedelta(seconds=1), tick=False):
        assert not Arrangement.objects.current().get().at_stale
    with time_machine.travel(deadline, tick=False):
        assert Arrangement.objects.current().stale().get().at_stale


def test_ended_arrangements_never_go_stale():
    change("AO", "ended", dt.date(2020, 1, 1))
    arrangement = Arrangement.objects.current().get()
    assert arrangement.stale_after is None and not arrangement.at_stale


def test_stale_as_of_a_past_day():
    change("AO", "reported", dt.date(2025, 1, 1))
    assert not _states(Arrangement.objects.as_of(dt.date(2025, 1, 30)))["AO"].at_stale
    assert _states(Arrangement.objects.as_of(dt.date(2025, 1, 31)))["AO"].at_stale


def test_flag_stale_flags_once_and_clears_when_confirmed():
    c = change("AO", "reported", dt.date(2025, 1, 1))
    with time_machine.travel(dt.datetime(2025, 2, 15, tzinfo=dt.UTC), tick=False):
        assert staleness.flag_stale() == 1
        assert staleness.flag_stale() == 0  # idempotent
        arrangement = Arrangement.objects.get()
        assert arrangement.stale_since == dt.datetime(2025, 1, 31, tzinfo=dt.UTC)
        services.verify_arrangement(arrangement=arrangement, user=None, note="Synthetic check")
        assert Arrangement.objects.get().stale_since is None
    assert c.arrangement_id == arrangement.pk
