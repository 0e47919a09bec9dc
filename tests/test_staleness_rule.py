"""One staleness rule: the arrangement list, `?as_of=` the same day, the map API and flag_stale give one answer."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache

from agreements import caching, services, staleness
from agreements.models import Arrangement

from .factories import SourceFactory, change

pytestmark = pytest.mark.django_db
D = dt.date(2025, 3, 3)


def _answers(client, day: dt.date) -> dict[str, bool]:
    """Whether Angola (US) is stale, by each reader, at noon of `day` (cached reads cleared: the rule is tested)."""
    caching.clear_local()
    cache.clear()
    with time_machine.travel(dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC), tick=False):
        listed = client.get("/api/v1/arrangements/?sending_state=US").json()["results"]
        as_of = client.get(f"/api/v1/arrangements/?sending_state=US&as_of={day}").json()["results"]
        mapped = {e["iso2"]: e for e in client.get("/api/v1/map/?sending_state=US").json()["results"]}
        mapped_as_of = {e["iso2"]: e for e in client.get(f"/api/v1/map/?as_of={day}").json()["results"]}
        flagged = staleness.flag_stale() > 0 or Arrangement.objects.filter(stale_since__isnull=False).exists()
    return {
        "arrangement list": listed[0]["stale"],
        "as_of that day": as_of[0]["stale"],
        "map API": mapped["AO"]["stale"],
        "map API as_of that day": mapped_as_of["AO"]["stale"],
        "flag_stale": flagged,
    }


def test_a_later_source_confirms_the_status_for_every_reader(client):
    """Status change dated D, its second source published D+20: today D+40 nobody calls it stale; D+50 all do."""
    recorded = change("AO", "reported", D, source=SourceFactory(published=D))
    services.add_sources(record=recorded, sources=[SourceFactory(published=D + dt.timedelta(days=20))])
    assert set(_answers(client, D + dt.timedelta(days=40)).values()) == {False}
    assert set(_answers(client, D + dt.timedelta(days=50)).values()) == {True}


@pytest.mark.parametrize(("status", "window"), [(s, w) for s, w in settings.STALENESS_WINDOWS.items() if w is not None])
def test_every_reader_agrees_at_each_boundary_of_every_window(client, status, window):
    change("AO", status, D, source=SourceFactory(published=D))
    for days in (0, window - 1, window, window + 1):
        answers = _answers(client, D + dt.timedelta(days=days))
        assert set(answers.values()) == {days >= window}, (status, days, answers)


def test_a_status_without_a_window_never_goes_stale_for_any_reader(client):
    assert settings.STALENESS_WINDOWS["ended"] is None  # on purpose: an ended arrangement needs no re-checking
    change("AO", "ended", D, source=SourceFactory(published=D))
    assert Arrangement.objects.get().stale_after is None
    assert set(_answers(client, D + dt.timedelta(days=3650)).values()) == {False}
