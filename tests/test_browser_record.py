"""The whole record in headless Chromium: every sending state at once, a sending state's own map, the timeline."""

import pytest
from playwright.sync_api import expect

from agreements.models import Arrangement

from .browser import save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
COLOURS = {status: colour.upper() for status, colour in Arrangement.COLOURS.items()}


def _ready(page):
    page.wait_for_selector("#map[data-ready=true]", timeout=15_000)


def _fill(page, iso2):
    return (page.get_attribute(f'#map path[data-iso2="{iso2}"]', "fill") or "").upper()


def _clean(visit):
    assert visit.console_errors == [] and visit.csp_violations == []


def test_all_sending_states_colours_rwanda_by_its_most_advanced_status_and_lists_each_sender(open_page, live_record):
    page, visit = open_page("/?sending_state=GB")
    _ready(page)
    assert _fill(page, "RW") == COLOURS["ended"]  # the UK's own arrangement with Rwanda
    page.select_option("#sending-state", "all")
    page.locator(f'#map path[data-iso2="RW"][fill="{Arrangement.COLOURS["implemented"]}"]').wait_for()
    assert "sending_state=all" in page.url
    assert page.locator("#sending-state").input_value() == "all"
    page.locator("#map-side th", has_text="Sending state").wait_for()  # the fragment was redrawn for all senders
    page.click('#map path[data-iso2="RW"]')
    panel = page.locator("#panel")
    panel.locator("h2", has_text="Rwanda").wait_for()
    senders = panel.locator("article.arrangement h3 a").all_inner_texts()
    assert senders == ["United States", "Denmark", "United Kingdom", "Israel"]
    statuses = panel.locator("article.arrangement .status").all_inner_texts()
    assert statuses == ["Transfers under way", "Suspended", "Ended", "Denied"]
    assert "country=RW" in page.url and "sending_state=all" in page.url
    _clean(visit)


def test_the_uk_page_draws_its_own_map(open_page, live_record):
    page, visit = open_page("/countries/GB/")
    _ready(page)
    assert _fill(page, "RW") == COLOURS["ended"]
    assert _fill(page, "AO") == COLOURS["denied"]
    assert _fill(page, "SV") == Arrangement.NO_REPORTS_COLOUR.upper()  # the United States' arrangement, not the UK's
    assert page.get_attribute('#map path[data-iso2="RW"]', "aria-label").startswith("Rwanda: Ended")
    page.click('#map path[data-iso2="AO"]')  # brings Angola's evidence block on this page into view
    expect(page.locator("#sending-h ~ .arrangement h3 a", has_text="Angola")).to_be_focused()
    _clean(visit)


def test_the_us_timeline_has_el_salvador_going_from_agreed_to_implemented(open_page, live_record):
    page, visit = open_page("/?sending_state=US")
    _ready(page)
    assert page.locator("#timeline-map").count() == 0  # loaded when it scrolls into view, not with the page
    page.locator(".timeline-lazy").scroll_into_view_if_needed()
    row = page.locator('#timeline-map svg g.row[data-iso2="SV"]')
    expect(row).to_be_attached()
    segments = row.locator("rect")
    assert [segments.nth(i).get_attribute("data-status") for i in range(segments.count())] == ["agreed", "implemented"]
    titles = row.locator("rect > title").all_text_contents()
    assert titles == [
        "El Salvador: Agreement reached, 2025-02-03 to 2025-03-16",
        "El Salvador: Transfers under way, since 2025-03-16",
    ]
    agreed, implemented = (segments.nth(i).bounding_box() for i in range(2))
    assert agreed and implemented and agreed["width"] > 0 and implemented["width"] > agreed["width"]
    assert abs(agreed["x"] + agreed["width"] - implemented["x"]) < 1  # the one ends where the other begins
    assert row.locator("path.transfer > title").all_text_contents() == [
        "El Salvador: 238 people transferred, 2025-03-16"
    ]
    assert segments.nth(1).get_attribute("fill").upper() == COLOURS["implemented"]  # the map's colours
    page.locator("#timeline-map").scroll_into_view_if_needed()
    save_screenshot(page, "timeline-US-1440x900.png")
    # Another sending state: the side is swapped, and its timeline loads again when it comes into view.
    page.select_option("#sending-state", "all")
    expect(page.locator("#headline-h")).to_contain_text("every sending state", ignore_case=True)
    page.evaluate("document.querySelector('.timeline-section').scrollIntoView()")  # may load at once: in view
    expect(page.locator('#timeline-map svg g.row[data-iso2="GB-RW"]')).to_be_attached()
    assert page.locator('#timeline-map svg g.row[data-iso2="SV"]').count() == 0
    _clean(visit)


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (390, 844)])
def test_screenshots_of_every_sender_and_of_the_uk_page(open_page, live_record, width, height):
    shots = {
        f"map-all-{width}x{height}.png": ("/?sending_state=all&country=RW", "#panel h2"),
        f"country-GB-{width}x{height}.png": ("/countries/GB/", "#sending-h"),
    }
    for name, (path, shown) in shots.items():
        page, visit = open_page(path, width, height)
        _ready(page)
        page.locator(shown).scroll_into_view_if_needed()
        page.wait_for_load_state("networkidle")
        print(f"\n{path} at {width}x{height}: {visit.compressed_bytes / 1024:.0f} KB; {save_screenshot(page, name)}")
        assert visit.compressed_bytes <= 450 * 1024 and page.evaluate("document.body.scrollWidth") <= width
        _clean(visit)
    # The timeline's frame fits the screen (on a phone the picture scrolls inside it, at a readable size).
    frame, picture = (page.locator(f".status-timeline{inner}").first.bounding_box() for inner in ("", " svg"))
    assert frame is not None and picture is not None and frame["width"] <= width
    assert picture["width"] >= min(640, frame["width"])
