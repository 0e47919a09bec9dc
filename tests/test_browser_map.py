"""The map in headless Chromium on the demo data: fills, panel, keyboard, as-of, hosts, CSP, bytes, screenshots."""

import pytest

from agreements.models import Arrangement

from .browser import save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _ready(page):
    page.wait_for_selector("#map[data-ready=true]", timeout=15_000)


def _fill(page, iso2):
    return page.get_attribute(f'#map path[data-iso2="{iso2}"]', "fill")


def test_shapes_are_filled_by_status(open_page, live_seed):
    page, visit = open_page("/")
    _ready(page)
    assert _fill(page, "AO").upper() == Arrangement.COLOURS["denied"].upper()
    assert _fill(page, "SV").upper() == Arrangement.COLOURS["implemented"].upper()
    assert _fill(page, "FR").upper() == Arrangement.NO_REPORTS_COLOUR.upper()
    assert page.get_attribute('#map path[data-iso2="AO"]', "aria-label").startswith("Angola: Denied")
    assert visit.console_errors == [] and visit.csp_violations == []


def test_clicking_angola_opens_the_panel_with_the_denial_and_its_source(open_page, live_seed):
    page, visit = open_page("/")
    _ready(page)
    page.click('#map path[data-iso2="AO"]')
    panel = page.locator("#panel")
    panel.locator("h2", has_text="Angola").wait_for()
    assert "Denied" in panel.locator(".status").inner_text()
    assert "Angola is not accepting deported individuals of other nationalities" in panel.inner_text()
    assert "Embassy of Angola in Washington" in panel.inner_text()
    link = panel.locator('a[href="https://allafrica.com/stories/202505200516.html"]')
    assert link.count() == 1
    assert "country=AO" in page.url  # the selection is in the URL: a permalink
    assert visit.console_errors == [] and visit.csp_violations == []


def test_keyboard_alone_reaches_rwanda_and_opens_its_panel(open_page, live_seed):
    page, _ = open_page("/")
    _ready(page)
    for _ in range(120):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.dataset.iso2") == "RW":
            break
    else:
        pytest.fail("Tab never reached Rwanda")
    page.keyboard.press("Enter")
    page.locator("#panel h2", has_text="Rwanda").wait_for()
    assert "Reported contact" in page.locator("#panel").inner_text()
    assert page.evaluate("document.activeElement.id") == "panel-title"  # focus moves to the panel


def test_as_of_shows_costa_rica_with_no_reports(open_page, live_seed):
    page, _ = open_page("/?as_of=2025-02-15")
    _ready(page)
    assert _fill(page, "CR").upper() == Arrangement.NO_REPORTS_COLOUR.upper()
    assert page.get_attribute('#map path[data-iso2="CR"]', "aria-label") == "Costa Rica: No reports"
    assert _fill(page, "SV").upper() == Arrangement.COLOURS["agreed"].upper()
    assert _fill(page, "PA").upper() == Arrangement.COLOURS["implemented"].upper()


def test_changing_the_as_of_date_redraws_and_keeps_the_url(open_page, live_seed):
    page, _ = open_page("/?country=CR")
    _ready(page)
    page.locator("#panel h2", has_text="Costa Rica").wait_for()
    page.fill("#as-of", "2025-02-15")
    page.dispatch_event("#as-of", "change")
    page.locator('#map path[data-iso2="CR"][aria-label="Costa Rica: No reports"]').wait_for()
    assert "as_of=2025-02-15" in page.url and "country=CR" in page.url
    page.locator("#panel", has_text="No reports").wait_for()


def test_permalink_opens_the_selected_country(open_page, live_seed):
    page, _ = open_page("/?sending_state=US&as_of=2025-03-20&country=SV")
    _ready(page)
    page.locator("#panel h2", has_text="El Salvador").wait_for()
    assert "238" in page.locator("#panel").inner_text()


def test_microstates_without_a_polygon_are_markers(open_page, live_seed):
    page, _ = open_page("/")
    _ready(page)
    assert page.locator('#map path.microstate[data-iso2="TV"]').count() == 1  # Tuvalu


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (390, 844)])
def test_screenshots_and_first_load_bytes(open_page, live_seed, width, height):
    page, visit = open_page("/?country=AO", width, height)
    _ready(page)
    page.locator("#panel h2", has_text="Angola").wait_for()
    page.wait_for_load_state("networkidle")
    path = save_screenshot(page, f"map-{width}x{height}.png")
    print(
        f"\nfirst load of / at {width}x{height}: {visit.compressed_bytes / 1024:.0f} KB compressed "
        f"over {len(visit.requests)} requests; screenshot {path}"
    )
    assert visit.compressed_bytes <= 450 * 1024
    assert visit.console_errors == [] and visit.csp_violations == []
    # The panel is usable on a phone: its text is inside the viewport width.
    box = page.locator("#panel").bounding_box()
    assert box is not None and box["width"] <= width
