"""An editor logs a transfer with two nationalities in headless Chromium, and a reader sees them on the receiving
country's page and in the sending state's flow picture (screenshots in artifacts/)."""

import pytest
from django.core.cache import cache

from agreements.models import StatusChange

from .browser import browser_editor, log_in, save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_editor_logs_a_transfer_with_two_nationalities_and_readers_see_them(
    open_page, live_server, live_record, django_user_model
):
    browser_editor(django_user_model)
    page, visit = open_page("/")
    log_in(page, live_server, "/editor/status-change/")

    rows = page.locator(".nationality-row")
    assert rows.count() == 8 and page.locator(".nationality-row:visible").count() == 2  # more on request
    assert page.get_attribute("#id_nationalities_0", "list") == "country-names"  # the browser's type-ahead
    page.click("button.add-nationality")
    assert page.locator(".nationality-row:visible").count() == 3

    for select, value in (("receiving_country", "TG"), ("status", "implemented")):
        page.select_option(f"#id_{select}", value)
    typed = {  # a transfer of three people to Togo: two Vietnamese citizens and a Laotian one (no number given)
        "sending_state": "US",
        "date": "2025-12-01",
        "note": "Synthetic test transfer: three people, two nationalities named.",
        "people": "3",
        "nationalities_0": "Vietnam",
        "nationalities_1": "2",
        "nationalities_2": "Laos",
        "source_url": "https://example.org/synthetic/togo-transfer",
    }
    for name, value in typed.items():
        page.fill(f"#id_{name}", value)
    page.locator("#source-status[data-source=new]").wait_for()  # the words change once the page is read
    page.fill("#id_source_publisher", "Publisher 9 (synthetic)")
    page.locator("#field-nationalities").scroll_into_view_if_needed()
    save_screenshot(page, "transfer-form.png")
    page.click("form.editor-form button[type=submit]")
    page.locator(".messages", has_text="Transfers under way recorded").wait_for()
    recorded = StatusChange.objects.get(arrangement__receiving_country="TG")
    assert [(n.country_id, n.count) for n in recorded.nationalities.all()] == [("VN", 2), ("LA", None)]

    cache.clear()
    page.goto(f"{live_server.url}/countries/TG/")
    entry = page.locator(".timeline-change", has_text="Synthetic test transfer")
    assert "3 people transferred · nationalities: Vietnam (2), Laos" in entry.inner_text()
    assert "at least 3" in page.locator("dd.people").inner_text()
    entry.scroll_into_view_if_needed()
    save_screenshot(page, "transfer-country-page.png")

    page.goto(f"{live_server.url}/countries/US/")
    flows = page.locator("#flows-country")
    togo = flows.locator('svg path[data-to="TG"]')
    assert togo.count() == 2
    assert flows.locator('svg path[data-from="VN"][data-to="TG"][data-people="2"]').count() == 1
    assert flows.locator('svg path[data-from="LA"][data-to="TG"][data-unreported="1"]').count() == 1
    assert "Togo (at least 2)" in flows.locator("svg").inner_html()
    flows.locator("summary").click()
    assert "Laos" in flows.locator('table.flows-table tr[data-to="TG"]').all_inner_texts()[-1]
    flows.scroll_into_view_if_needed()
    flows.screenshot(path=str(save_screenshot(page, "transfer-flows-us-page.png")))
    assert visit.console_errors == [] and visit.csp_violations == []
