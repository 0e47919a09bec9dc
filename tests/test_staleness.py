"""Staleness: deadlines per status to the second, Verify, settings windows, flags, digests, query counts."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements import services, staleness
from agreements.models import Arrangement, StaleDigest

from .factories import SourceFactory, bulk_arrangements, change, every_pair_overdue

pytestmark = pytest.mark.django_db
WINDOWS = {status: days for status, days in settings.STALENESS_WINDOWS.items() if days is not None}
EVENT = dt.date(2025, 3, 1)


def _stale_now() -> set[str]:
    return set(Arrangement.objects.current().stale().values_list("receiving_country_id", flat=True))


@pytest.mark.parametrize(("status", "days"), list(WINDOWS.items()))
def test_goes_stale_exactly_when_its_window_has_passed(status, days):
    change("AO", status, EVENT, source=SourceFactory(published=EVENT))
    deadline = dt.datetime.combine(EVENT, dt.time.min, tzinfo=dt.UTC) + dt.timedelta(days=days)
    with time_machine.travel(deadline - dt.timedelta(seconds=1), tick=False):
        assert _stale_now() == set()
        assert staleness.flag_stale() == 0
    with time_machine.travel(deadline, tick=False):
        assert _stale_now() == {"AO"}
        assert staleness.flag_stale() == 1
        assert Arrangement.objects.get().stale_since == deadline


def test_ended_never_goes_stale():
    change("AO", "ended", EVENT)
    with time_machine.travel(dt.datetime(2035, 1, 1, tzinfo=dt.UTC), tick=False):
        assert _stale_now() == set() and staleness.flag_stale() == 0


def test_verify_clears_the_flag_and_restarts_the_window():
    change("AO", "reported", EVENT, source=SourceFactory(published=EVENT))
    with time_machine.travel(dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        staleness.flag_stale()
        arrangement = Arrangement.objects.get()
        assert arrangement.stale_since is not None
        services.verify_arrangement(arrangement=arrangement, user=None, note="Synthetic check")
        arrangement.refresh_from_db()
        assert arrangement.stale_since is None and _stale_now() == set()
        assert arrangement.stale_after == dt.datetime(2025, 7, 1, 12, tzinfo=dt.UTC)
    with time_machine.travel(dt.datetime(2025, 7, 1, 12, tzinfo=dt.UTC), tick=False):
        assert _stale_now() == {"AO"}


def test_a_new_statement_or_source_confirms_it():
    change("AO", "reported", EVENT, source=SourceFactory(published=EVENT))
    later = dt.date(2025, 3, 20)
    services.add_sources(
        record=Arrangement.objects.get().status_changes.get(), sources=[SourceFactory(published=later)]
    )
    assert Arrangement.objects.get().stale_after == dt.datetime(2025, 4, 19, tzinfo=dt.UTC)


def test_a_window_changed_in_settings_takes_effect(settings):
    change("AO", "reported", EVENT, source=SourceFactory(published=EVENT))
    with time_machine.travel(dt.datetime(2025, 3, 20, tzinfo=dt.UTC), tick=False):
        assert staleness.flag_stale() == 0
        settings.STALENESS_WINDOWS = {**settings.STALENESS_WINDOWS, "reported": 10}
        assert staleness.flag_stale() == 1  # the deadline is recomputed from the new window
        assert Arrangement.objects.get().stale_after == dt.datetime(2025, 3, 11, tzinfo=dt.UTC)
        settings.STALENESS_WINDOWS = {**settings.STALENESS_WINDOWS, "reported": 60}
        staleness.flag_stale()
        assert Arrangement.objects.get().stale_since is None  # the flag no longer holds


def test_each_newly_stale_entry_is_in_exactly_one_digest_sent_once(django_user_model):
    from django.contrib.auth.models import Group

    editor = django_user_model.objects.create_user("editor-d", email="editor@example.org")
    editor.groups.add(Group.objects.get(name="editors"))
    change("AO", "reported", EVENT, source=SourceFactory(published=EVENT))
    change("BJ", "denied", EVENT, source=SourceFactory(published=EVENT))
    with time_machine.travel(dt.datetime(2025, 4, 15, tzinfo=dt.UTC), tick=False):
        assert staleness.flag_stale() == 1  # Angola (30 days); Benin's 90 days have not passed
        staleness.flag_stale()
        assert staleness.send_digests() == 1 and staleness.send_digests() == 0
    with time_machine.travel(dt.datetime(2025, 6, 15, tzinfo=dt.UTC), tick=False):
        assert staleness.flag_stale() == 1  # Benin now; Angola stays flagged and is not listed again
        assert staleness.send_digests() == 1
    assert len(mail.outbox) == 2 and mail.outbox[0].to == ["editor@example.org"]
    assert "Angola" in mail.outbox[0].body and "Benin" not in mail.outbox[0].body
    assert "Benin" in mail.outbox[1].body and "Angola" not in mail.outbox[1].body
    assert StaleDigest.objects.count() == 2


def test_flag_stale_uses_the_same_queries_at_100_and_2000_arrangements():
    def run(total):
        Arrangement.objects.update(
            stale_since=None,
            stale_after=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
            last_confirmed_at=dt.datetime(2019, 12, 1, tzinfo=dt.UTC),
        )
        with CaptureQueriesContext(connection) as ctx:
            flagged = staleness.flag_stale()
        assert flagged == Arrangement.objects.exclude(status="ended").count()  # "ended" never goes stale
        return flagged, len(ctx.captured_queries)

    bulk_arrangements(100)
    small = run(100)
    bulk_arrangements(1900)
    large = run(2000)
    assert small[0] < 100 < 1000 < large[0]
    assert small[1] == large[1]


def test_flag_stale_at_every_possible_arrangement_uses_the_same_queries_as_at_100(postgres, db):
    """At the largest size there can be: one arrangement per ordered pair of countries (250 x 249 = 62,250; the
    one-per-pair constraint makes 100,000 impossible)."""

    def run(limit):
        every_pair_overdue(limit, dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        with CaptureQueriesContext(connection) as ctx:
            flagged = staleness.flag_stale()
        return flagged, len(ctx.captured_queries)

    small, large = run(100), run(10**9)
    assert (small[0], large[0]) == (100, 62_250)
    assert small[1] == large[1]
