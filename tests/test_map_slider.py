"""The map's timeline slider: its stops come from the server (the months of the record, then today), and the
page marks the stop of the date it shows."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from agreements.mapstate import Step, step_at, timeline_steps

from .factories import change

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 7, 10)


def test_stops_are_the_month_ends_from_the_first_change_to_the_last_then_today(seed):
    steps = timeline_steps(TODAY)
    assert steps == [
        Step("2025-02-28", "28 February 2025"),
        Step("2025-03-31", "31 March 2025"),
        Step("2025-04-30", "30 April 2025"),
        Step("2025-05-31", "31 May 2025"),
        Step("", "Today (10 July 2025)"),
    ]
    assert [s.value for s in timeline_steps(dt.date(2025, 5, 20))][-2:] == ["2025-05-20", ""]  # a month not ended


def test_a_record_spanning_a_new_year_counts_every_month(db):
    change("AO", "reported", dt.date(2024, 11, 5))
    change("AO", "denied", dt.date(2025, 1, 5))
    assert [s.value for s in timeline_steps(TODAY)] == ["2024-11-30", "2024-12-31", "2025-01-31", ""]
    assert timeline_steps(TODAY) and not timeline_steps(dt.date(2024, 1, 1))[:-1]  # nothing recorded by then


def test_the_stop_of_a_date_is_its_month(seed):
    steps = timeline_steps(TODAY)
    assert step_at(steps, None) == 4
    assert step_at(steps, dt.date(2025, 3, 5)) == 1
    assert step_at(steps, dt.date(2025, 5, 31)) == 3
    assert step_at(steps, dt.date(2024, 6, 1)) == 0  # before the record: its first month
    assert step_at(steps, dt.date(2025, 6, 15)) == 4  # after the last change: today
    assert step_at([], None) == 0


def test_the_map_page_renders_the_slider_at_its_date(client, seed):
    page = client.get("/?as_of=2025-03-20").content.decode()
    slider = re.search(r'<input type="range" id="time-range"[^>]*>', page).group(0)
    assert 'value="1"' in slider and 'aria-valuetext="20 March 2025"' in slider
    assert '<output id="time-now" for="time-range" aria-live="polite">20 March 2025</output>' in page
    assert '<option value="0" label="28 February 2025" data-as-of="2025-02-28"></option>' in page
    assert re.search(r'<option value="\d+" label="Today \([^)]+\)" data-as-of=""></option>', page)
